from inference.decoding import link_claims
from inference.document import Span


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


def test_nothing_gives_no_claims():
    assert link_claims([Span(0, 3)], [], []) == []
