from itertools import pairwise, product

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from inference.core.articles import Claim, Span
from inference.core.claim_linking import char_gap, claim_of_events, link_claims
from inference.core.decoding import allowed_transitions, best_bio_paths


def test_parts_join_their_nearest_cue():
    # "Smith said X. Jones told AFP Y, Z."
    claims = link_claims(
        sources=[Span(0, 5), Span(14, 19)],
        cues=[Span(6, 10), Span(20, 28)],
        contents=[Span(11, 12), Span(29, 30), Span(32, 33)],
    )
    assert [(c.source, c.cue, c.content) for c in claims] == [
        ([Span(0, 5)], [Span(6, 10)], [Span(11, 12)]),
        ([Span(14, 19)], [Span(20, 28)], [Span(29, 30), Span(32, 33)]),
    ]


def test_content_without_cue_is_its_own_claim_and_scores_average():
    s, c = Span(0, 3), Span(10, 20)
    claims = link_claims([s], [], [c], scores={s: 0.2, c: 0.6})
    assert len(claims) == 1
    assert claims[0].source == [s] and claims[0].content == [c] and claims[0].cue == []
    assert abs(claims[0].score - 0.4) < 1e-9


def test_a_cue_without_source_shares_the_nearest_source_of_its_sentence():
    # "Smith said X and added Y. Then Z was announced." (sentence starts at 26)
    smith, said, added, announced = Span(0, 5), Span(6, 10), Span(17, 22), Span(33, 42)
    claims = link_claims([smith], [said, added, announced], [Span(11, 12), Span(23, 24), Span(31, 32)],
                         sentences=[26])
    assert [c.source for c in claims] == [[smith], [smith], []]  # "announced" is in the next sentence
    plain = link_claims([smith], [said, added, announced], [], scores=None)
    assert [c.source for c in plain] == [[smith], [], []]  # without sentences a source joins one claim only


def test_nothing_gives_no_claims():
    assert link_claims([Span(0, 3)], [], []) == []


def disjoint_spans(draw_positions: list[int]) -> list[Span]:
    """Disjoint spans from sorted distinct cut points: [p0, p1), [p2, p3), ..."""
    points = sorted(set(draw_positions))
    return [Span(a, b) for a, b in zip(points[::2], points[1::2], strict=False)]


@given(st.lists(st.integers(0, 200), max_size=30), st.data())
def test_linking_is_nearest_cue_by_brute_force(positions, data):
    # Parts and cues are tags of one sequence: disjoint. Deal them out at random as cues, sources and contents.
    spans = disjoint_spans(positions)
    roles = data.draw(st.lists(st.sampled_from(["cue", "source", "content"]), min_size=len(spans),
                               max_size=len(spans)))
    cues = [s for s, r in zip(spans, roles, strict=True) if r == "cue"]
    others = {r: [s for s, role in zip(spans, roles, strict=True) if role == r] for r in ("source", "content")}
    claims = link_claims(others["source"], cues, others["content"])
    anchors = sorted(cues) or sorted(others["content"])
    assert len(claims) == len(anchors)  # one claim per cue (per content fragment when there is no cue)
    if not anchors:
        return
    for role in ("source", "content") if cues else ("source",):
        for span in others[role]:
            best = min(range(len(anchors)), key=lambda i: (char_gap(span, anchors[i]), i))
            assert span in getattr(claims[best], role)


def test_events_point_to_the_claim_whose_content_holds_them():
    claims = [Claim(cue=[Span(0, 4)], content=[Span(5, 20), Span(40, 50)]), Claim(cue=[Span(21, 25)],
                                                                                content=[Span(26, 35)])]
    triggers = [Span(5, 9), Span(18, 22), Span(27, 30), Span(45, 50), Span(60, 61), Span(0, 2)]
    assert claim_of_events(triggers, claims) == [0, None, 1, 0, None, None]


LABELS = ["O", "B-a", "I-a", "B-b", "I-b"]


def brute_force_path(log_probs: np.ndarray) -> list[int]:
    """The best valid IOB2 path by trying every tag sequence."""
    allowed = allowed_transitions(LABELS)
    valid = (path for path in product(range(len(LABELS)), repeat=len(log_probs))
             if not LABELS[path[0]].startswith("I-") and all(allowed[a, b] for a, b in pairwise(path)))
    return list(max(valid, key=lambda path: log_probs[np.arange(len(path)), list(path)].sum()))


@given(st.lists(st.integers(0, 5), max_size=5), st.integers(0, 2**32 - 1))
def test_batched_viterbi_finds_each_sequences_best_valid_path(lengths, seed):
    # Sequences of unequal lengths (empty ones included) decoded together, each against exhaustive search.
    rng = np.random.default_rng(seed)
    log_probs = [np.log(rng.dirichlet(np.ones(len(LABELS)), size=length)) for length in lengths]
    paths = best_bio_paths(log_probs, allowed_transitions(LABELS))
    assert [path.tolist() for path in paths] == [brute_force_path(lp) if len(lp) else [] for lp in log_probs]

