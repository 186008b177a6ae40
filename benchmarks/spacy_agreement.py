"""Does the spaCy component give the same spans as ``extract``? Every span of a split, counted, and both timed.

Usage::

    python -m benchmarks.spacy_agreement --data data/release/test.jsonl [--model FOLDER_OR_ID] [--backend onnx]
        [--repeats 3]

``extract`` and ``nlp.pipe`` (``spacy.blank("en")`` with the ``newsextract`` component) run on the same texts with the
same loaded model (warmed first; all texts in one call each; ``--repeats`` rounds of one run each, the median reported:
the machines are shared and noisy), and the component's own work (tokenizing and writing the spans of the results
``extract`` gave) is timed alone. Every span ``extract`` returns (claim parts, speakers,
triggers, arguments, entities) is looked up in the doc through the component's links (a claim part's source, cue,
content and speaker; a trigger's arguments) and is *identical* (same characters, same label), *expanded* (same label,
widened to the spaCy tokens it touches: ``doc.char_span(start, end, alignment_mode="expand")``) or *different*
(anything else, a missing span included); a span the doc has and ``extract`` has not counts as different too. The
scores and each event's claim are compared as well.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from typing import Any

from benchmarks.roofline import cpu_flags
from inference.core.articles import read_jsonl
from inference.core.model_folder import DEFAULT_MODEL
from inference.interface.results import Extraction
from inference.runtime.backends import default_backend
from inference.runtime.hub import resolve_model_dir

Key = tuple  # ("claim", i, "cue"), ("claim", i, "content", k), ("speaker", i), ("trigger", j), ("argument", j, k)...
View = tuple[str, int, int]  # label, start, end


def expected_spans(result: Extraction) -> tuple[dict[Key, View], dict[Key, Any]]:
    """The spans of one ``extract`` result, keyed by where they sit, and its facts (scores, each event's claim)."""
    spans: dict[Key, View] = {}
    facts: dict[Key, Any] = {}
    for i, claim in enumerate(result.claims):
        for name, part in (("source", claim.source), ("cue", claim.cue)):
            if part:
                spans["claim", i, name] = (name, part.start, part.end)
        for k, part in enumerate(claim.content):
            spans["claim", i, "content", k] = ("content", part.start, part.end)
        if claim.speaker:
            spans["speaker", i] = ("speaker", claim.speaker.start, claim.speaker.end)
        facts["claim score", i] = claim.score
    for j, event in enumerate(result.events):
        spans["trigger", j] = (event.type, event.trigger.start, event.trigger.end)
        facts["event score", j], facts["event claim", j] = event.score, event.claim
        for k, argument in enumerate(event.arguments):
            spans["argument", j, k] = (argument.role, argument.start, argument.end)
            facts["argument score", j, k] = argument.score
    for m, entity in enumerate(result.entities):
        spans["entity", m] = (entity.type, entity.start, entity.end)
        facts["entity score", m] = entity.score
    return spans, facts


def component_spans(doc) -> tuple[dict[Key, View], dict[Key, Any]]:
    """The same from a doc, read through the component's groups and ``nx_`` links only (never its span ids)."""
    spans: dict[Key, View] = {}
    facts: dict[Key, Any] = {}

    def view(span) -> View:
        return span.label_, span.start_char, span.end_char

    for part in doc.spans["claims"]:
        i = part._.nx_claim
        for name, span in (("source", part._.nx_source), ("cue", part._.nx_cue)):
            if span is not None:
                spans["claim", i, name] = view(span)
        for k, span in enumerate(part._.nx_content):
            spans["claim", i, "content", k] = view(span)
        if part._.nx_speaker is not None:
            spans["speaker", i] = view(part._.nx_speaker)
        facts["claim score", i] = part._.nx_score
    for j, trigger in enumerate(doc.spans["events"]):
        spans["trigger", j] = view(trigger)
        facts["event score", j], facts["event claim", j] = trigger._.nx_score, trigger._.nx_claim
        for k, argument in enumerate(trigger._.nx_arguments):
            spans["argument", j, k] = view(argument)
            facts["argument score", j, k] = argument._.nx_score
    for m, entity in enumerate(doc.spans["entities"]):
        spans["entity", m] = view(entity)
        facts["entity score", m] = entity._.nx_score
    return spans, facts


def compare(doc, result: Extraction) -> Counter:
    """Counts of ``(kind, outcome)``: kind a claim part, speaker, trigger, argument or entity, or a fact; outcome
    identical / expanded / different (a fact: same / different)."""
    expected, expected_facts = expected_spans(result)
    got, got_facts = component_spans(doc)
    counts: Counter = Counter()
    for key in expected.keys() | got.keys():
        kind = key[2] if key[0] == "claim" else key[0]  # source / cue / content, or speaker, trigger, ...
        want, have = expected.get(key), got.get(key)
        if want == have:
            counts[kind, "identical"] += 1
            continue
        widened = want and doc.char_span(want[1], want[2], alignment_mode="expand")
        same_tokens = widened is not None and have == (want[0], widened.start_char, widened.end_char)
        counts[kind, "expanded" if want and have and same_tokens else "different"] += 1
    for key in expected_facts.keys() | got_facts.keys():
        counts[key[0], "same" if expected_facts.get(key) == got_facts.get(key) else "different"] += 1
    return counts


def measure(texts: list[str], model: str | None, backend: str | None, repeats: int) -> dict:
    """Run both on ``texts`` (model loaded once, both warmed), ``repeats`` rounds of one each, and compare every span
    of the last round; the times are each system's median round."""
    import spacy

    from inference.interface.api import extract, load_predictor

    backend = backend or default_backend(resolve_model_dir(model or DEFAULT_MODEL), None)  # named, so both run it
    predictor = load_predictor(model, None, backend)
    nlp = spacy.blank("en")
    nlp.add_pipe("newsextract", config={"model": model, "backend": backend})
    runs = {"extract": lambda: extract(texts, model=predictor),
            "spacy": lambda: list(nlp.pipe(texts, batch_size=len(texts)))}  # one extract call each: like for like
    for run in runs.values():
        run()  # warm-up, also for the first-call costs
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    outputs: dict[str, list] = {}
    for _ in range(repeats):  # rounds, so that a busy spell of the shared machine slows both alike
        for name, run in runs.items():
            start = time.perf_counter()
            outputs[name] = run()
            seconds[name].append(round(time.perf_counter() - start, 2))
    start = time.perf_counter()  # the component's own work, without the model: tokenize, then write the spans
    for text, result in zip(texts, outputs["extract"], strict=True):
        nlp.get_pipe("newsextract").annotate(nlp.make_doc(text), result)
    own_seconds = round(time.perf_counter() - start, 2)
    counts: Counter = Counter()
    alignment: Counter = Counter()
    for doc, result in zip(outputs["spacy"], outputs["extract"], strict=True):
        counts += compare(doc, result)
        alignment.update(doc._.nx_alignment)
    return {"articles": len(texts), "spans": {" ".join(key): n for key, n in sorted(counts.items())},
            "alignment": dict(alignment), "seconds": seconds,
            "median_seconds": {name: statistics.median(times) for name, times in seconds.items()},
            "component_own_seconds": own_seconds,
            "backend": backend, "min_seconds": {name: min(times) for name, times in seconds.items()},
            "cpu_flags": cpu_flags()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spacy_agreement", description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="Article JSON lines (id, text, ...), e.g. the test split.")
    parser.add_argument("--model", default=None, help="A model folder or hub id (default: the shipped model).")
    parser.add_argument("--backend", default=None, help="extract's backend (default: the model's recorded one).")
    parser.add_argument("--repeats", type=int, default=3, help="Timed rounds (each system once per round).")
    options = parser.parse_args(argv)
    texts = [article.text for article in read_jsonl(options.data)]
    row = measure(texts, options.model, options.backend, options.repeats)
    print(json.dumps(row, indent=1))
    return row


if __name__ == "__main__":
    main()
