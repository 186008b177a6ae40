"""Speakers judged by reading: how often the speaker resolver (``inference/core/speakers.py``) names who makes a claim
whose source is a pronoun or a description.

A judgements file holds one JSON object a line, ``{"doc", "source": [[s, e]], "cue": [[s, e]], "speaker_name",
"speaker_mentions": [[s, e], ...], "note"}``: a gold claim of article ``doc`` (its source and cue as character
offsets), the speaker a careful reader names, and every mention of that speaker in the article (``[]`` when the
article never says who). ``judgements/speakers_dev.jsonl`` holds 425 PolNeAR dev claims.

Each judged claim's gold source is resolved as the article decoder resolves a predicted one: over the entity mentions
and claims the model predicted for that article (so the figure measures the rules, on the mentions the model really
finds, without the noise of which sources the model detects). The speaker is right when it overlaps one of the judged
mentions, or is ``None`` where the judge said none.

A source is a ``pronoun`` when it is one personal pronoun ("he", "they", "I", "its"), else a ``description`` ("the
group", "who", "a senior official"). ``judgements/speakers_test.jsonl`` (413 claims of the test split, judged without
seeing the rules' output) is the held-out measure; the dev file is what the rules are written on. The dev figures
written before the test file existed split its articles in two halves by the SHA-1 of their id (even: ``tuning``,
odd: ``held-out``), which ``halves=True`` reproduces.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from inference.core.articles import Article, DataError, Span
from inference.core.sentences import sentence_starts
from inference.core.speaker_cues import FIRST_PERSON, GROUP_PRONOUNS, PERSON_PRONOUNS
from inference.core.speakers import SpeakerResolver, named_mentions

HALVES = ("tuning", "held-out")
KINDS = ("pronoun", "description")
PRONOUNS = FIRST_PERSON | PERSON_PRONOUNS | GROUP_PRONOUNS


@dataclass(frozen=True)
class SpeakerJudgement:
    """One judged claim: its article, gold source, and the mentions of the speaker a reader names (none: unsaid)."""

    doc: str
    source: Span
    mentions: tuple[Span, ...]
    name: str | None = None
    note: str = ""


def read_speaker_judgements(path: str | Path) -> list[SpeakerJudgement]:
    """The judgements in the file at ``path``, in its order; a bad line is a ``DataError`` naming it.

    Example::

        read_speaker_judgements("judgements/speakers_dev.jsonl")[1].name  # -> 'Melezia Figueroa'
    """
    judgements = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            (start, end), *_ = row["source"]
            judgements.append(SpeakerJudgement(str(row["doc"]), Span(int(start), int(end)),
                                               tuple(Span(int(s), int(e)) for s, e in row["speaker_mentions"]),
                                               row.get("speaker_name"), row.get("note", "")))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise DataError(f"not a speaker judgement ({error!r}); accepted: a JSON object with doc, source "
                            "[[start, end]] and speaker_mentions [[start, end], ...]", path, number) from None
    return judgements


def half_of(article_id: str) -> str:
    """The half an article falls in: ``tuning`` when the SHA-1 of its id is even, else ``held-out``.

    Example:
        >>> [half_of(doc) for doc in ("nyt_2016-10-02_a-curious-plan-to-fight-climate-",
        ...                           "nyt_2016-09-08_obama-on-climate-change-the-tren")]
        ['tuning', 'held-out']
    """
    return HALVES[int(hashlib.sha1(article_id.encode("utf-8")).hexdigest(), 16) % 2]


def kind_of(source: str) -> str:
    """``pronoun`` for a source that is one personal pronoun, else ``description``.

    Example:
        >>> kind_of("He"), kind_of("the Lebanese group"), kind_of("who")
        ('pronoun', 'description', 'description')
    """
    return "pronoun" if source.strip().lower() in PRONOUNS else "description"


def resolve_judged(judgements: Sequence[SpeakerJudgement], predicted: Iterable[Article]) -> list[Span | None]:
    """The speaker the resolver gives each judged claim's gold source, over its article's predicted entity mentions
    and claims (one resolver per article, as the article decoder builds it).

    Example:
        >>> from inference.core.articles import Entity
        >>> text = "Smith arrived. He said it was over."
        >>> article = Article("a", text, entities=[Entity("PER", Span(0, 5))])
        >>> resolve_judged([SpeakerJudgement("a", Span(15, 17), (Span(0, 5),))], [article])
        [Span(start=0, end=5)]
    """
    by_id = {article.id: article for article in predicted}
    missing = sorted({j.doc for j in judgements} - by_id.keys())
    if missing:
        raise DataError(f"no predicted article for the judged doc(s) {', '.join(missing[:5])}: predict the articles "
                        "the judgements were made on")
    resolvers: dict[str, SpeakerResolver] = {}
    speakers = []
    for judgement in judgements:
        if judgement.doc not in resolvers:
            article = by_id[judgement.doc]
            resolvers[judgement.doc] = SpeakerResolver(article.text, named_mentions(article.text, article.entities),
                                                       article.claims, sentence_starts(article.text))
        speakers.append(resolvers[judgement.doc].speaker(judgement.source))
    return speakers


def is_right(judgement: SpeakerJudgement, speaker: Span | None) -> bool:
    """Whether ``speaker`` is a mention of the judged speaker, or ``None`` where the judge named no one.

    Example:
        >>> j = SpeakerJudgement("a", Span(15, 17), (Span(0, 5), Span(40, 45)))
        >>> is_right(j, Span(40, 50)), is_right(j, None), is_right(SpeakerJudgement("a", Span(0, 2), ()), None)
        (True, False, True)
    """
    if speaker is None:
        return not judgement.mentions
    return any(speaker.overlaps(mention) for mention in judgement.mentions)


def speaker_scores(judgements: Sequence[SpeakerJudgement], predicted: Sequence[Article], halves: bool = False
                   ) -> dict[str, dict]:
    """Right speakers by kind (``pronoun``, ``description``, ``all``), over all the articles (``all``) and, with
    ``halves``, by half (``tuning``, ``held-out``): ``{articles: {kind: {"right", "claims", "share"}}}``.

    Example:
        >>> text = "Smith arrived. He said it was over."
        >>> judged = [SpeakerJudgement("VOA", Span(15, 17), (Span(0, 5),))]
        >>> speaker_scores(judged, [Article("VOA", text)], halves=True)["tuning"]["pronoun"]
        {'right': 0, 'claims': 1, 'share': 0.0}
    """
    texts = {article.id: article.text for article in predicted}
    rows = (*HALVES, "all") if halves else ("all",)
    counts = {(row, kind): [0, 0] for row in rows for kind in (*KINDS, "all")}
    for judgement, speaker in zip(judgements, resolve_judged(judgements, predicted), strict=True):
        kind = kind_of(judgement.source.text_in(texts[judgement.doc]))
        for key in ((r, k) for r in (half_of(judgement.doc), "all") if r in rows for k in (kind, "all")):
            counts[key][0] += is_right(judgement, speaker)
            counts[key][1] += 1
    return {row: {kind: {"right": right, "claims": n, "share": right / n if n else 0.0}
                  for (r, kind), (right, n) in counts.items() if r == row}
            for row in rows}


def format_speaker_scores(scores: dict[str, dict]) -> str:
    """A plain-text table of :func:`speaker_scores`: a row per set of articles, % right (right / claims) per kind.

    Example:
        >>> cell = {"right": 3, "claims": 4, "share": 0.75}
        >>> print(format_speaker_scores({"all": {"pronoun": cell, "description": cell, "all": cell}}))
        articles       pronoun          description      all
        all            75.0 (3/4)       75.0 (3/4)       75.0 (3/4)
    """
    lines = [f"{'articles':<15}" + "".join(f"{kind:<17}" for kind in (*KINDS, "all")).rstrip()]
    for articles, row in scores.items():
        cells = [f"{100 * row[k]['share']:.1f} ({row[k]['right']}/{row[k]['claims']})" for k in (*KINDS, "all")]
        lines.append(f"{articles:<15}" + "".join(f"{cell:<17}" for cell in cells).rstrip())
    return "\n".join(lines)


def misses(judgements: Sequence[SpeakerJudgement], predicted: Sequence[Article]) -> list[str]:
    """One line per judged claim the resolver gets wrong: article, source, what it gave, what the judge named.

    Example:
        >>> text = "Smith arrived. He said it was over."
        >>> misses([SpeakerJudgement("VOA", Span(15, 17), (Span(0, 5),), "Smith")], [Article("VOA", text)])
        ["VOA\\t15\\t'He'\\t-> None\\tjudged 'Smith'"]
    """
    texts = {article.id: article.text for article in predicted}
    lines = []
    for judgement, speaker in zip(judgements, resolve_judged(judgements, predicted), strict=True):
        if not is_right(judgement, speaker):
            text = texts[judgement.doc]
            got = repr(speaker.text_in(text)) if speaker else None
            lines.append(f"{judgement.doc}\t{judgement.source.start}\t"
                         f"{judgement.source.text_in(text)!r}\t-> {got}\tjudged {judgement.name!r}")
    return lines
