"""``nlp.add_pipe("newsextract")``: the extractor as a spaCy component (the ``spacy`` extra).

spaCy finds the factory (``newsextract_spacy.py``, outside this package so that spaCy does not load the extractor
each time it makes a pipeline) through the ``spacy_factories`` entry point, so no import is needed first. Each
``Doc`` gets ``extract(doc.text)``'s results as span groups (``doc.spans``) and ``nx_`` extensions that link them; a
span whose characters do not fall on spaCy token boundaries is widened to the tokens it touches and counted
(``doc._.nx_alignment``). The model is loaded once, by :func:`inference.load_predictor` (so ``extract`` and the
component share it); ``nlp.pipe`` hands each batch of docs to one ``extract`` call. docs/spacy.md has the full
reference.

Example::

    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("newsextract")  # the shipped model; config={"model": FOLDER_OR_HUB_ID, ...} for another
    doc = nlp("Police said two people were killed in Paris.")
    cue = [span for span in doc.spans["claims"] if span.label_ == "cue"][0]
    cue.text, cue._.nx_source.text, [c.text for c in cue._.nx_content]
    # ('said', 'Police', ['two people were killed in Paris'])
    [(t.text, t.label_, [(a.label_, a.text) for a in t._.nx_arguments]) for t in doc.spans["events"]]
    # [('killed', 'Life:Die', [('Victim', 'people')])]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

try:
    from spacy.tokens import Doc, Span
    from spacy.util import filter_spans, minibatch
except ImportError as error:  # say which extra, not just which module
    raise ImportError(f"the spaCy component needs spaCy ({error}); install it with: pip install -e '.[spacy]'"
                      ) from error

from ..runtime.backends import BATCH_SIZE

if TYPE_CHECKING:  # the results module is light, but the api imports torch: both only when a component is made
    from ..interface.results import Extraction

logger = logging.getLogger(__name__)

GROUPS = ("claims", "events", "event_arguments", "entities")  # the doc.spans keys written
ENTS = ("keep", "replace", "merge")  # what the component does to doc.ents
KEY = "newsextract"  # doc.user_data[KEY]: the extraction's JSON form and the alignment counts
class NewsExtractComponent:
    """Writes ``extract``'s events, claims and entities onto each ``Doc``: the span groups of ``GROUPS``, each span
    labelled (claim part, event type, argument role, entity type) and linked through the ``nx_`` extensions.

    ``batch_size`` counts model windows per forward pass, as in ``extract`` (None: its default); how many docs go to
    one ``extract`` call is the ``batch_size`` of ``nlp.pipe``. ``ents="replace"`` or ``"merge"`` also writes the
    entities to ``doc.ents`` (overlaps resolved by ``spacy.util.filter_spans``: longest first, ours before the doc's
    own); ``"keep"`` leaves ``doc.ents`` to the pipeline's NER.

    Example::

        component = NewsExtractComponent(model="runs/release/model")
        doc = component(spacy.blank("en")("He said the troops attacked."))
    """

    def __init__(self, name: str = "newsextract", *, model: str | None = None, threshold: float | None = None,
                 batch_size: int | None = None, device: str | None = None, backend: str | None = None,
                 ents: str = "keep") -> None:
        from ..interface.api import check_options, load_predictor  # torch is loaded here, not when spaCy starts

        batch_size = BATCH_SIZE if batch_size is None else batch_size
        check_options(batch_size, threshold)  # extract's own checks, at construction rather than at the first doc
        if ents not in ENTS:
            raise ValueError(f"ents={ents!r}; accepted: {', '.join(map(repr, ENTS))} (what to do with doc.ents)")
        self.name, self.threshold, self.batch_size, self.ents = name, threshold, batch_size, ents
        self.predictor = load_predictor(model, device, backend)  # cached: extract(model=...) reuses the same one
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        """Annotate one doc (``nlp(text)``)."""
        return next(self.pipe([doc], batch_size=1))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Annotate docs ``batch_size`` at a time, one ``extract`` call per batch (``nlp.pipe`` passes its own)."""
        from ..interface.api import extract

        for docs in minibatch(stream, size=batch_size):
            results = extract([doc.text for doc in docs], model=self.predictor, batch_size=self.batch_size,
                              threshold=self.threshold)
            for doc, result in zip(docs, results, strict=True):
                self.annotate(doc, result)
                yield doc

    def annotate(self, doc: Doc, result: Extraction) -> None:
        """Write one extraction (of ``doc.text``) onto ``doc``: the span groups, ``doc.user_data[KEY]``, ``doc.ents``
        when asked."""
        counts = {"exact": 0, "expanded": 0, "unaligned": 0}
        make = _span_maker(doc, counts)
        claims = []
        for i, claim in enumerate(result.claims):
            parts = [(claim.source, "source"), (claim.cue, "cue"),
                     *((content, f"content/{k}") for k, content in enumerate(claim.content))]
            claims += [make(part, name.partition("/")[0], f"claim/{i}/{name}") for part, name in parts if part]
            if claim.speaker:  # not in a group (it often repeats the source); made by nx_speaker, counted here
                make(claim.speaker, "speaker", None)
        events = [make(e.trigger, e.type, f"event/{j}") for j, e in enumerate(result.events)]
        arguments = [make(a, a.role, f"event/{j}/argument/{k}")
                     for j, e in enumerate(result.events) for k, a in enumerate(e.arguments)]
        entities = [make(e, e.type, f"entity/{m}") for m, e in enumerate(result.entities)]
        for group, spans in zip(GROUPS, (claims, events, arguments, entities), strict=True):
            doc.spans[group] = [span for span in spans if span is not None]
        doc.user_data[KEY] = {"result": result.to_dict(), "alignment": counts}  # JSON-like: survives Doc.to_bytes
        if counts["unaligned"]:
            logger.warning("%d span(s) of %r... cover no spaCy token and were left out; see doc._.nx_alignment",
                           counts["unaligned"], doc.text[:40])
        if self.ents != "keep":
            ours = list(doc.spans["entities"])
            doc.ents = filter_spans(ours if self.ents == "replace" else ours + list(doc.ents))


def _span_maker(doc: Doc, counts: dict[str, int]):
    """A function making the spaCy span of a result span (``start``/``end`` attributes), widened to whole tokens, and
    counting in ``counts`` whether it was exact, widened, or covered no token (then it gives None)."""

    def make(part: Any, label: str, span_id: str | None) -> Span | None:
        span = doc.char_span(part.start, part.end, label=label, span_id=span_id or 0, alignment_mode="expand")
        if span is None or not len(span):  # only a span of whitespace can (the model's never are): counted
            counts["unaligned"] += 1
            return None
        counts["exact" if (span.start_char, span.end_char) == (part.start, part.end) else "expanded"] += 1
        return span

    return make


# The links live in the doc (its user_data and the span ids "claim/I/PART", "event/J", "event/J/argument/K",
# "entity/M"), read by getters: spaCy keys a stored span extension by character offsets alone, so an entity and the
# argument on the same words would share (and overwrite) a stored score; a getter reads the span's own id.
def _where(span: Span) -> tuple[dict, list[str]]:
    """The doc's extraction (JSON form) and the span's id split on "/" (empty when not a span of this component)."""
    data = span.doc.user_data.get(KEY)
    return (data["result"], span.id_.split("/")) if data and span.id_ else ({}, [])


def _find(doc: Doc, group: str, prefix: str) -> list[Span]:
    return [span for span in doc.spans.get(group, []) if span.id_ == prefix or span.id_.startswith(prefix + "/")]


def _claim(span: Span) -> int | None:
    result, where = _where(span)
    if where[:1] == ["claim"]:
        return int(where[1])
    return result["events"][int(where[1])]["claim"] if where[:1] == ["event"] else None


def _record(span: Span) -> dict | None:
    """The JSON record behind a span: its claim, event, argument or entity."""
    result, where = _where(span)
    if where[:1] == ["claim"]:
        return result["claims"][int(where[1])]
    if where[:1] == ["event"]:
        event = result["events"][int(where[1])]
        return event["arguments"][int(where[3])] if len(where) == 4 else event
    return result["entities"][int(where[1])] if where[:1] == ["entity"] else None


def _part(name: str):
    def get(span: Span) -> Span | None:
        claim = _claim(span)
        found = [] if claim is None else _find(span.doc, "claims", f"claim/{claim}/{name}")
        return found[0] if found else None

    return get


def _content(span: Span) -> list[Span]:
    claim = _claim(span)
    return [] if claim is None else _find(span.doc, "claims", f"claim/{claim}/content")


def _speaker(span: Span) -> Span | None:
    claim = _claim(span)
    speaker = None if claim is None else _where(span)[0]["claims"][claim]["speaker"]
    if speaker is None:
        return None
    return span.doc.char_span(speaker["start"], speaker["end"], label="speaker", alignment_mode="expand")


def _event(span: Span) -> int | None:
    where = _where(span)[1]
    return int(where[1]) if where[:1] == ["event"] else None


def _arguments(span: Span) -> list[Span]:
    where = _where(span)[1]
    is_trigger = len(where) == 2 and where[0] == "event"
    return _find(span.doc, "event_arguments", f"event/{where[1]}/argument") if is_trigger else []


def _trigger(span: Span) -> Span | None:
    event = _event(span)
    found = [] if event is None else [s for s in span.doc.spans.get("events", []) if s.id_ == f"event/{event}"]
    return found[0] if found else None


def _score(span: Span) -> float | None:
    record = _record(span)
    return None if record is None else record["score"]


def _char_span(span: Span) -> tuple[int, int] | None:
    """The model's own offsets (``span.start_char``/``end_char`` unless the span was widened)."""
    record, where = _record(span), _where(span)[1]
    if where[:1] == ["claim"]:
        part = record["content"][int(where[3])] if where[2] == "content" else record[where[2]]
        return part["start"], part["end"]
    if where[:1] == ["event"] and len(where) == 2:
        record = record["trigger"]
    return None if record is None else (record["start"], record["end"])


SPAN_EXTENSIONS = {
    "nx_claim": _claim, "nx_source": _part("source"), "nx_cue": _part("cue"), "nx_content": _content,
    "nx_speaker": _speaker, "nx_event": _event, "nx_arguments": _arguments, "nx_trigger": _trigger,
    "nx_score": _score, "nx_char_span": _char_span,
}
DOC_EXTENSIONS = {
    "nx_result": lambda doc: doc.user_data.get(KEY, {}).get("result"),
    "nx_alignment": lambda doc: doc.user_data.get(KEY, {}).get("alignment"),
}


def register_extensions() -> None:
    """Register the ``nx_`` extensions on ``Span`` and ``Doc`` (again is harmless: the same getters, ``force=True``).
    The component does it; call it yourself to read docs loaded from disk in a process that made no component.

    Example:
        >>> register_extensions(); Span.has_extension("nx_source") and Doc.has_extension("nx_alignment")
        True
    """
    for name, getter in SPAN_EXTENSIONS.items():
        Span.set_extension(name, getter=getter, force=True)
    for name, getter in DOC_EXTENSIONS.items():
        Doc.set_extension(name, getter=getter, force=True)
