"""The sentence splitter on news text as it is scraped (each case the argument constraint meets)."""

from __future__ import annotations

import pytest

from inference.core.sentences import sentence_starts


def sentences(text: str) -> list[str]:
    bounds = [0, *sentence_starts(text), len(text)]
    return [text[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]


@pytest.mark.parametrize("text, expected", [
    ("Two people were killed.The police said.", ["Two people were killed.", "The police said."]),
    ("He left. They stayed.", ["He left.", "They stayed."]),
    ('"We won," she said. "They lost."', ['"We won," she said.', '"They lost."']),
    ("He won (in the end). Then he left.", ["He won (in the end).", "Then he left."]),
    ("“It is over.” The talks ended.", ["“It is over.”", "The talks ended."]),
    ("Was it? Yes! It was.", ["Was it?", "Yes!", "It was."]),
    ("The U.S. envoy met Gen. Smith and Mr. Jones on Jan. 5 in Kabul.",
     ["The U.S. envoy met Gen. Smith and Mr. Jones on Jan. 5 in Kabul."]),
    ("J. Smith won.", ["J. Smith won."]),
    ("Growth was 3.5 percent at 10.30 a.m. on Monday.", ["Growth was 3.5 percent at 10.30 a.m. on Monday."]),
    ("Prices rose 4.2%.Analysts were surprised.", ["Prices rose 4.2%.", "Analysts were surprised."]),
    ("See www.example.com for more.", ["See www.example.com for more."]),
    ("Bomb kills 12 in Kabul\nA car bomb killed 12 people on Monday.",
     ["Bomb kills 12 in Kabul", "A car bomb killed 12 people on Monday."]),
    ("KABUL (Reuters) -\n\nA bomb exploded.  \n  Officials said 12 died.",
     ["KABUL (Reuters) -", "A bomb exploded.", "Officials said 12 died."]),
    ("Police said 12 died. 30 were hurt.", ["Police said 12 died.", "30 were hurt."]),
    ('"Why?" he asked.', ['"Why?" he asked.']),
    ("Ford Motor Co. said it would cut jobs.", ["Ford Motor Co. said it would cut jobs."]),
    ("He waited... Then he left.", ["He waited...", "Then he left."]),
    ("", [""]),
])
def test_sentences_of_scraped_news(text, expected):
    assert sentences(text) == expected


def test_offsets_index_the_text_and_never_the_start():
    text = "A bomb exploded.Two died.\n\nThe police came."
    starts = sentence_starts(text)
    assert starts == [16, 27] and 0 not in starts
    assert [text[s] for s in starts] == ["T", "T"]
