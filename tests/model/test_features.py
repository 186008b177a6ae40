from collections import Counter

from inference.core.alignment import IGNORE_INDEX
from inference.core.articles import Argument, Article, Event, Span
from training.data.collator import WindowCollator
from training.data.features import article_windows, build_dataset


def windows(article, model, tokenizer, max_length=32, stride=8, max_triggers=4):
    counts = Counter()
    rows = list(article_windows(article, tokenizer, model.config, max_length, stride, max_triggers, counts))
    return rows, counts


def test_labels_follow_layers(articles, tiny_model, tokenizer):
    events_only = next(a for a in articles if a.layers == ("events",))
    rows, _ = windows(events_only, tiny_model, tokenizer)
    assert all(label == IGNORE_INDEX for row in rows for label in row["claim_labels"])
    assert any(label not in (IGNORE_INDEX, 0) for row in rows for label in row["trigger_labels"])
    claims_only = next(a for a in articles if a.layers == ("claims",))
    rows, _ = windows(claims_only, tiny_model, tokenizer)
    assert all(label == IGNORE_INDEX for row in rows for label in row["trigger_labels"])
    assert all(row["trigger_positions"] == [] for row in rows)


def test_trigger_positions_point_at_trigger_tokens(articles, tiny_model, tokenizer):
    config = tiny_model.config
    for article in articles:
        for row in windows(article, tiny_model, tokenizer)[0]:
            assert len(row["input_ids"]) <= 32
            for position, arguments in zip(row["trigger_positions"], row["argument_labels"], strict=True):
                assert config.trigger_labels[row["trigger_labels"][position]].startswith("B-")
                assert len(arguments) == len(row["input_ids"])
            lengths = {len(row[k]) for k in ("input_ids", "claim_labels", "trigger_labels")}
            assert len(lengths) == 1


def test_every_gold_trigger_is_trained_in_some_window(articles, tiny_model, tokenizer):
    for article in articles:
        rows, _ = windows(article, tiny_model, tokenizer)
        seen = sum(len(r["trigger_positions"]) for r in rows)
        expected = len(article.events) if "events" in article.layers else 0
        assert expected <= seen <= 2 * expected  # overlapping windows may hold a trigger twice


def test_overlapping_triggers_are_counted(tokenizer, tiny_model):
    text = "Rebels attacked the base and attacked again."
    article = Article("x", text, events=[
        Event("Conflict:Attack", Span(7, 15), [Argument("Attacker", Span(0, 6))]),
        Event("Conflict:Attack", Span(7, 12)),  # overlaps the first trigger
    ], layers=("events",))
    rows, counts = windows(article, tiny_model, tokenizer)
    assert counts["trigger overlapping an earlier one, not trained"] == 1
    assert sum(len(r["trigger_positions"]) for r in rows) == 1


def test_dataset_and_collator_shapes(articles, tiny_model, tokenizer):
    dataset = build_dataset(articles, tokenizer, tiny_model.config, max_length=32, stride=8)
    batch = WindowCollator(tokenizer.pad_token_id)([dataset[i] for i in range(4)])
    b, t = batch["input_ids"].shape
    assert batch["attention_mask"].shape == batch["claim_labels"].shape == (b, t)
    k = batch["trigger_positions"].shape[1]
    assert k >= 1 and batch["argument_labels"].shape == (b, k, t)
    assert tiny_model(**batch).loss.item() > 0


def test_partial_events_train_their_triggers_and_arguments_but_no_trigger_negatives(tokenizer, tiny_model):
    text = "Rebels attacked the base, and police arrested two men."
    event = Event("Conflict:Attack", Span(7, 15), [Argument("Attacker", Span(0, 6))])
    full = Article("full", text, events=[event], layers=("events",))
    partial = Article("partial", text, events=[event], layers=("partial_events",))
    [full_row], _ = windows(full, tiny_model, tokenizer, max_length=64)
    [partial_row], _ = windows(partial, tiny_model, tokenizer, max_length=64)
    o = tiny_model.config.trigger_labels.index("O")
    # the labelled trigger is the same; the unlabelled "arrested" is a negative only in the full article
    assert [label for label in partial_row["trigger_labels"] if label != IGNORE_INDEX] == \
        [label for label in full_row["trigger_labels"] if label not in (IGNORE_INDEX, o)]
    assert o in full_row["trigger_labels"] and o not in partial_row["trigger_labels"]
    assert partial_row["trigger_positions"] == full_row["trigger_positions"] != []
    assert partial_row["argument_labels"] == full_row["argument_labels"]
