"""The claim rules on hand-made claims: each content rule does its one thing, and none removes a claim's last fragment;
the cue rule leaves out only claims whose cue is auxiliaries alone."""

from __future__ import annotations

from inference.core.articles import Claim, Span
from inference.core.claim_spans import (
    clean_content,
    near_the_cue,
    to_the_closing_quote,
    with_a_reporting_cue,
    without_bare_words,
    without_trailing_punctuation,
)


def words(text: str, claim: Claim) -> list[str]:
    return [text[s.start : s.end] for s in claim.content]


def test_a_fragment_in_another_paragraph_leaves_unless_it_is_the_only_one():
    text = "Police said the road was closed.\n\nTraffic was heavy all day."
    cue = Span(7, 11)
    assert near_the_cue(Claim(cue=[cue], content=[Span(12, 31), Span(34, 51)]), text) == [Span(12, 31)]
    only_far = Claim(cue=[cue], content=[Span(34, 51)])
    assert words(text, clean_content(only_far, text)) == ["Traffic was heavy"]


def test_an_open_quotation_is_closed_in_its_paragraph_only():
    text = '"We will win the vote," she said. "Then\nmore."'
    assert to_the_closing_quote(Claim(content=[Span(0, 12)]), text) == [Span(0, 23)]  # "We will win the vote,"
    assert to_the_closing_quote(Claim(content=[Span(34, 39)]), text) == [Span(34, 39)], "a line break is in the way"


def test_an_extended_fragment_swallows_the_fragments_it_reaches():
    text = '“Prices rose, and wages fell,” he said.'
    merged = to_the_closing_quote(Claim(content=[Span(0, 12), Span(14, 28)]), text)
    assert merged == [Span(0, 30)]


def test_trailing_commas_go_but_a_fragment_of_punctuation_stays():
    text = "taxes rise;, ,"
    assert without_trailing_punctuation(Claim(content=[Span(0, 12), Span(13, 14)]), text) == [Span(0, 10),
                                                                                            Span(13, 14)]


def test_bare_words_go_unless_nothing_else_is_left():
    text = "He said that. That is all."
    assert without_bare_words(Claim(content=[Span(8, 12), Span(14, 25)]), text) == [Span(14, 25)]
    alone = Claim(cue=[Span(3, 7)], content=[Span(8, 12)])
    assert words(text, clean_content(alone, text)) == ["that"], "a claim keeps its last fragment"


def test_a_claim_whose_cue_is_only_auxiliaries_leaves_and_a_negated_cue_stays():
    text = "Polls are not a measure. The state could deny permits. She didn’t say why. He said: yes. It has a lead."
    claims = [Claim(cue=[Span(6, 13)], content=[Span(14, 23)]),  # "are not"
              Claim(cue=[Span(35, 40)], content=[Span(46, 53)]),  # "could" without its verb
              Claim(cue=[Span(35, 45)], content=[Span(46, 53)]),  # "could deny"
              Claim(cue=[Span(59, 69)], content=[Span(70, 73)]),  # "didn’t say": the guidelines annotate it
              Claim(cue=[Span(78, 82)], content=[Span(84, 87)]),  # "said"
              Claim(cue=[Span(82, 83)], content=[Span(84, 87)]),  # ":" alone: punctuation is no auxiliary
              Claim(cue=[Span(92, 95)], content=[Span(96, 102)])]  # "has"
    kept = [text[c.cue[0].start : c.cue[0].end] for c in with_a_reporting_cue(claims, text)]
    assert kept == ["could deny", "didn’t say", "said", ":"]
