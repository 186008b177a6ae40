"""Offsets survive text -> tokens -> labels -> spans; windows cover every token exactly once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from inference.core.alignment import decode_word_tags, plan_windows, spans_to_word_tags, tokenize_text
from inference.core.articles import Span


@given(st.integers(0, 2000), st.integers(3, 300), st.data())
def test_windows_own_each_token_once(num_tokens, size, data):
    stride = data.draw(st.integers(0, size - 1))
    windows = plan_windows(num_tokens, size, stride)
    owned = [t for w in windows for t in range(w.own_start, w.own_end)]
    assert owned == list(range(num_tokens))
    for w in windows:
        assert w.end - w.start <= size
        assert w.start <= w.own_start <= w.own_end <= w.end
    if windows:
        assert windows[-1].end == num_tokens


def test_bad_window_parameters_are_named():
    import pytest

    with pytest.raises(ValueError, match="stride < size"):
        plan_windows(10, size=4, stride=4)


WORDS = st.sampled_from(["Gaza", "health", "ministry", "says", "5,791", "people", "killed", "U.S.", "don't",
                         "“quoted”", "naïve", "Москва", "😀", "AFP", "re-election", "(", ")"])


@settings(max_examples=60)
@given(st.lists(WORDS, min_size=1, max_size=30), st.data())
def test_word_aligned_spans_survive_round_trip(tokenizer, words, data):
    text = " ".join(words)
    tokens = tokenize_text(tokenizer, text)
    # Candidate spans are runs of whole tokenizer words, labelled, non-overlapping.
    word_bounds = {}
    for i, word in enumerate(tokens.word_ids):
        s, e = tokens.offsets[i]
        start, end = word_bounds.get(word, (s, e))
        word_bounds[word] = (min(start, s), max(end, e))
    bounds = [word_bounds[w] for w in sorted(word_bounds)]
    cuts = sorted(data.draw(st.sets(st.integers(0, len(bounds)), max_size=6)))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if a < b:
            spans.append((Span(bounds[a][0], bounds[b - 1][1]), data.draw(st.sampled_from(["source", "cue"]))))
    tags, misaligned = spans_to_word_tags(tokens, spans)
    assert misaligned == 0
    positions = [i for i, start in enumerate(tokens.word_starts) if start]
    decoded = decode_word_tags([tags[p] for p in positions], [1.0] * len(positions), tokens, positions)
    assert [(span, label) for span, label, _ in decoded] == sorted(spans)
    for span, _, _ in decoded:
        assert text[span.start : span.end] == span.text_in(text)


def test_span_cutting_a_word_is_widened_and_counted(tokenizer):
    text = "The reelection campaign"
    tokens = tokenize_text(tokenizer, text)
    tags, misaligned = spans_to_word_tags(tokens, [(Span(6, 14), "content")])  # "election" inside "reelection"
    assert misaligned == 1
    positions = [i for i, start in enumerate(tokens.word_starts) if start]
    decoded = decode_word_tags([tags[p] for p in positions], [1.0] * len(positions), tokens, positions)
    assert [(text[s.start : s.end], label) for s, label, _ in decoded] == [("reelection", "content")]


def test_stray_inside_tag_starts_a_span(tokenizer):
    tokens = tokenize_text(tokenizer, "a b c")
    decoded = decode_word_tags(["O", "I-cue", "I-cue"], [0.5, 0.4, 0.6], tokens, [0, 1, 2])
    assert [(s, label, round(score, 2)) for s, label, score in decoded] == [(Span(2, 5), "cue", 0.5)]
