"""RAMS (AIDA ontology) as M2E2-typed articles; the type and role mapping is ``configs/event_mapping.yaml``.

One JSON document per line: ``doc_key``, ``sentences`` (lists of tokens), ``evt_triggers`` =
``[[start, end, [[type, 1.0]]]]`` and ``gold_evt_links`` = ``[[[trigger_start, trigger_end], [arg_start, arg_end],
role]]``, all flat token indices with an INCLUSIVE end; roles are written ``evt089arg01victim``. The text is the
tokens joined by single spaces, sentences too (like the M2E2 texts, rebuilt with spaces; a model reads news text, not
one sentence a line). RAMS labels ONE trigger per document, so the articles have ``layers=("partial_events",)``: the
other words are not known to be no trigger. A document without a mapped event teaches nothing and is skipped.

RAMS arguments are whole phrases ("the police officers in Kabul") where M2E2 marks head words ("officers"), so each
argument is cut down to its head word by :func:`head_word`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from inference.core.articles import Article, Span
from inference.core.schema import LabelSchema

from .event_mapping import EventMapping, as_event_mapping, iter_documents, map_event
from .import_report import ImportReport, problem
from .overlaps import drop_overlapping_triggers

PREFIX = "rams"
DOC_KEYS = ("doc_key", "sentences", "evt_triggers", "gold_evt_links")
ROLE = re.compile(r"evt\d+arg\d+(\w+)")
# Where a noun phrase's head has ended: what follows modifies it ("officers | in Kabul", "man | who ...",
# "Lynx | or bisons"); the first token is never a cut, so "in Syria" keeps "Syria".
PREPOSITIONS = ("about above across after against along amid among around as at before behind beside between beyond "
                "by despite during for from in including inside into like near of off on onto outside over per since "
                "through to toward towards under until upon via with within without").split()
BOUNDARIES = frozenset([*PREPOSITIONS, "who", "whom", "whose", "which", "that", "where", "when", "and", "or", "but",
                        ",", ";", ":", "(", "[", "--", "–", "—"])
POSSESSIVES = frozenset({"'s", "’s", "'", "’"})  # "Kenya 's government": the head follows the possessive
NAME_STOPS = frozenset({"the", "a", "an", "this", "these", "those", "its", "his", "her", "their", "our"})
NAME_PARTICLES = frozenset({"al", "bin", "ibn", "de", "la", "van", "von", "-"})  # "Bashar al - Assad"


def read_rams(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None,
              mapping: EventMapping | str | Path | None = None) -> tuple[list[Article], ImportReport]:
    """Read a RAMS ``.jsonlines`` file into articles with M2E2 events and head-word arguments, in file order.

    ``mapping`` is an ``EventMapping`` or a mapping file (default: ``configs/event_mapping.yaml``). A span outside
    the document, a link to an unknown trigger or a malformed role is a ``DataError`` naming the file, the line and
    the problem; with ``errors="skip"`` the event (or argument) is skipped and counted.

    Example::

        articles, report = read_rams("../shared/data/rams/dev.jsonlines")
        articles[0].layers, report.to_dict()["rams: document without a mapped event skipped"]
        # -> (('partial_events',), 598)
    """
    path, report = Path(path), ImportReport()
    mapping = as_event_mapping(mapping, PREFIX, schema)
    articles = []
    for line, doc in iter_documents(path, DOC_KEYS):
        article = _article(doc, mapping, errors, report, path, line)
        if article.events:
            articles.append(article)
        else:
            report.add(f"{PREFIX}: document without a mapped event skipped")
    return articles, report


def head_word(tokens: list[str]) -> tuple[int, int]:
    """Token range ``(start, end)`` (end exclusive) of a phrase's head: a name, or the last word before a modifier.

    Cut at the first preposition, relative pronoun, conjunction or comma after the first token, start after a
    possessive, take the last word; a capitalised last word takes the capitalised run before it (a name).

    Example:
        >>> def head(phrase): start, end = head_word(phrase.split()); return " ".join(phrase.split()[start:end])
        >>> [head(p) for p in ["the police officers in Kabul", "Kenya ’s government", "in Syria", "sick and wounded",
        ...                    "President Bashar al - Assad , who", "the U.S. 9th Army",
        ...                    "World Health Organisation ( WHO )"]]
        ['officers', 'government', 'Syria', 'sick', 'President Bashar al - Assad', 'Army', 'World Health Organisation']
    """
    end = next((i for i in range(1, len(tokens)) if tokens[i].lower() in BOUNDARIES), len(tokens))
    start = max((i + 1 for i in range(end - 1) if tokens[i] in POSSESSIVES), default=0)
    while end > start + 1 and not any(char.isalnum() for char in tokens[end - 1]):  # a closing quote or bracket
        end -= 1
    first = end - 1
    if tokens[first][:1].isupper():
        while first > start and (tokens[first - 1].lower() in NAME_PARTICLES or (
                tokens[first - 1][:1].isupper() and tokens[first - 1].lower() not in NAME_STOPS)):
            first -= 1
        while tokens[first].lower() in NAME_PARTICLES and first < end - 1:
            first += 1
    return first, end


def _article(doc: dict[str, Any], mapping: EventMapping, errors: str, report: ImportReport, path: Path,
             line: int) -> Article:
    tokens = [token for sentence in doc["sentences"] for token in sentence]
    offsets, position = [], 0
    for token in tokens:
        offsets.append(Span(position, position + len(token)))
        position += len(token) + 1
    text, name = " ".join(tokens), f"document {doc['doc_key']}"

    def tokens_of(pair: Any, what: str) -> tuple[int, int]:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(i, int) for i in pair)
                and 0 <= pair[0] <= pair[1] < len(tokens)):
            raise ValueError(f"{name}: {what} tokens {pair} are not a range (inclusive) in its {len(tokens)} tokens")
        return pair[0], pair[1]

    triggers: dict[tuple[int, int], tuple[str, list[tuple[str, Span]]]] = {}
    for item in doc["evt_triggers"]:
        try:
            start, end, labels = item if isinstance(item, list) and len(item) == 3 else (None, None, None)
            key = tokens_of([start, end], "trigger")
            if not (labels and isinstance(labels[0][0], str)):
                raise ValueError(f"{name}: trigger {start}-{end} has no type; expected [[type, score]], got {labels}")
        except ValueError as error:
            problem(errors, report, f"{PREFIX}: event with a bad trigger skipped", str(error), path, line)
            continue
        triggers[key] = (labels[0][0], [])
    reduced: set[Span] = set()
    for item in doc["gold_evt_links"]:
        try:
            trigger, argument, role = item if isinstance(item, list) and len(item) == 3 else (None, None, None)
            key, (first, last) = tokens_of(trigger, "linked trigger"), tokens_of(argument, "argument")
            match = ROLE.fullmatch(role) if isinstance(role, str) else None
            if key not in triggers:
                raise ValueError(f"{name}: argument {role} links to trigger {trigger}, not in 'evt_triggers'")
            if match is None:
                raise ValueError(f"{name}: role {role!r} is not of the form 'evt<NNN>arg<NN><role>'")
        except ValueError as error:
            problem(errors, report, f"{PREFIX}: argument with a bad link skipped", str(error), path, line)
            continue
        start, end = head_word(tokens[first : last + 1])
        span = Span(offsets[first + start].start, offsets[first + end - 1].end)
        if (start, end) != (0, last + 1 - first):
            reduced.add(span)
        triggers[key][1].append((match.group(1), span))
    events = []
    for (first, last), (source_type, arguments) in triggers.items():
        event = map_event(mapping, source_type, Span(offsets[first].start, offsets[last].end), arguments, report,
                          PREFIX)
        if event is not None:
            report.add(f"{PREFIX}: argument reduced to its head word", sum(a.span in reduced for a in event.arguments))
            events.append(event)
    events = drop_overlapping_triggers(events, report, PREFIX)
    return Article(doc["doc_key"], text, events, layers=("partial_events",), meta={"corpus": PREFIX, "file": path.name})
