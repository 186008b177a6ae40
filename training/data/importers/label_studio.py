"""Label Studio JSON exports (labelled with ``configs/label_studio.xml``) as articles: the regions and relations of
each task's annotation become its claims, events and entities, as ``inference.ecosystem.label_studio`` draws them
(docs/label_studio.md).

A task is one article: its text is ``data.text``, its id ``data.id`` (kept there by ``python -m inference
--label-studio``), else the task's id. Of a task's annotations, cancelled ones are left out and the ground truth (else
the last updated) is read; a task with none is skipped; both are counted. Scores, and result types other than labelled
regions and relations (choices, text areas), are not annotations of ours: they are ignored, the latter counted.

Every task counts as annotated for events and claims (one with none of either has none), and for entities when any
task of the export labels an entity; ``data.layers`` (a list, as in our article format) overrides that per task.
A bad region or relation (an unknown label, a region whose text differs from ``data.text[start:end]``, a relation to
a missing region, a claim part no cue links, a role the event type does not take) is a ``DataError`` naming the file,
the task, the region and what is accepted; ``errors="skip"`` skips that region or relation and counts it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.core.articles import FULL_LAYERS, LAYERS, Argument, Article, Claim, DataError, Entity, Event, Span
from inference.core.schema import LabelSchema
from inference.ecosystem.label_studio import ARGUMENT, OBJECT, parse_tasks, region_kinds, task_article_id

from .import_report import ImportReport, problem

PREFIX = "label-studio"
CLAIM_LINKS = {frozenset(("cue", "source")), frozenset(("cue", "content")), frozenset(("cue",))}
ACCEPTED_LINKS = ("accepted: cue - source, cue - content or cue - cue (a claim; no relation label), trigger - "
                  f"{ARGUMENT} or trigger - entity (an argument; labelled with its role)")


def read_label_studio(path: str | Path, errors: str = "raise", schema: LabelSchema | None = None
                      ) -> tuple[list[Article], ImportReport]:
    """Read a Label Studio JSON export into articles, one per annotated task, in the export's order.

    Example:
        >>> articles, report = read_label_studio("tests/fixtures/label_studio_export.json")
        >>> [(article.id, len(article.claims), len(article.events)) for article in articles]
        [('reuters-1', 2, 1), ('2', 1, 1)]
    """
    path, schema, report = Path(path), schema or LabelSchema.default(), ImportReport()
    kinds = region_kinds(schema)
    articles, defaulted = [], []  # defaulted: the articles whose layers the export decides
    for number, task in enumerate(parse_tasks(path.read_text(encoding="utf-8"), path), start=1):
        annotation = _annotation(task, number, path, report)
        if annotation is None:
            continue
        where = f"task {number}" + (f" (id {task['id']})" if "id" in task else "")
        reader = _TaskReader(task["data"][OBJECT], kinds, schema, _Problems(errors, report, path, where))
        reader.read(annotation)
        article_id = task_article_id(task)
        layers = task["data"].get("layers")
        try:
            if not isinstance(layers, list | None):
                raise DataError(f"{layers!r} is no list; accepted: a list of layers, of {list(LAYERS)}")
            article = Article(str(article_id) if article_id is not None else f"{path.stem}:{number}", reader.text,
                              reader.events(), reader.claims(), layers if layers is not None else FULL_LAYERS,
                              {"corpus": PREFIX, "file": path.name, **({"task": task["id"]} if "id" in task else {})},
                              reader.entities())
        except DataError as error:  # data.layers is no list, or names an unknown layer
            raise DataError(f"{where}: data.layers: {error}", path) from None
        articles.append(article)
        if layers is None:
            defaulted.append(article)
    if any(article.entities for article in articles):  # entity labels in use: every task was labelled for them
        for article in defaulted:
            article.layers = (*FULL_LAYERS, "entities")
    return articles, report


def looks_like_label_studio(path: str | Path) -> bool:
    """Whether a ``.json`` file holds Label Studio tasks (a list whose first item, or the one object, has ``data``)
    rather than M2E2's sentences; read from the head of the file as far as the first item ends.

    Example:
        >>> looks_like_label_studio("../shared/data/m2e2/text_multimedia_event.json")
        False
    """
    with open(path, encoding="utf-8") as handle:
        head = ""
        while block := handle.read(1 << 16):
            head += block
            body = head.lstrip("\ufeff \t\r\n")
            body = body[1:].lstrip() if body.startswith("[") else body
            try:
                first, _ = json.JSONDecoder().raw_decode(body)
            except ValueError:
                continue  # the first item goes on in the next block (or the file is no JSON: no tasks either)
            return isinstance(first, dict) and "data" in first
    return False


def _annotation(task: dict[str, Any], number: int, path: Path, report: ImportReport) -> dict[str, Any] | None:
    """The annotation to read: not cancelled, the ground truth or else the last updated; None (counted) if none."""
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise DataError(f"task {number}: 'annotations' is not a list of objects; accepted: Label Studio's JSON "
                        "export", path)
    kept = [a for a in annotations if not a.get("was_cancelled")]
    report.add(f"{PREFIX}: cancelled annotation left out", len(annotations) - len(kept))
    if not kept:
        report.add(f"{PREFIX}: task with predictions only (pre-annotations are no labels) skipped"
                   if task.get("predictions") else f"{PREFIX}: task without an annotation skipped")
        return None
    report.add(f"{PREFIX}: other annotation of a task left out (the ground truth or last updated read)", len(kept) - 1)
    return max(enumerate(kept), key=lambda item: (bool(item[1].get("ground_truth")),
                                                  str(item[1].get("updated_at") or item[1].get("created_at") or ""),
                                                  item[0]))[1]


@dataclass
class _Problems:
    """Where a task's problems are reported: raised (naming the file and task) or counted, as ``errors`` says."""

    errors: str
    report: ImportReport
    path: Path
    where: str

    def __call__(self, reason: str, message: str) -> None:
        problem(self.errors, self.report, f"{PREFIX}: {reason}", f"{self.where}: {message}", self.path, None)


@dataclass
class _Region:
    id: str
    label: str
    kind: str
    span: Span
    links: list[tuple[_Region, list[str]]] = field(default_factory=list)  # (the region at the other end, labels)


@dataclass
class _TaskReader:
    """One task's annotation read into an article: regions first, then the relations between them."""

    text: str
    kinds: dict[str, str]
    schema: LabelSchema
    problem: _Problems
    regions: dict[str, _Region] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)  # ids of regions skipped (errors="skip"): not "missing"

    def read(self, annotation: dict[str, Any]) -> None:
        """Read the annotation's regions, then its relations (which may come before the regions they join)."""
        results = annotation.get("result")
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise DataError(f"{self.problem.where}: the annotation's 'result' is not a list of objects; accepted: "
                            "Label Studio's JSON export", self.problem.path)
        for result in results:
            if result.get("type") == "labels":
                self._region(result)
            elif result.get("type") != "relation":
                self.problem.report.add(f"{PREFIX}: {result.get('type')} result ignored")
        for result in results:
            if result.get("type") == "relation":
                self._relation(result)

    def entities(self) -> list[Entity]:
        return [Entity(r.label, r.span) for r in sorted(self.regions.values(), key=lambda r: r.span)
                if r.kind == "entity"]

    def _region(self, result: dict[str, Any]) -> None:
        value = result.get("value") if isinstance(result.get("value"), dict) else {}
        region_id = result.get("id")
        labels, start, end = value.get("labels"), value.get("start"), value.get("end")
        name = f"region {region_id!r}"
        if not isinstance(region_id, str) or region_id in self.regions:
            self.problem("region without a unique id skipped", f"{name}: a region needs an id of its own; accepted: "
                         "Label Studio's export, where each region has one")
        elif not isinstance(labels, list) or len(labels) != 1:
            self.problem("region without one label skipped", f"{name} has labels {labels!r}; accepted: exactly one of "
                         f"{', '.join(self.kinds)}")
        elif labels[0] not in self.kinds:
            hint = (" (a role goes on the relation from the trigger)" if labels[0] in self.schema.roles else "")
            self.problem("region with an unknown label skipped", f"{name} has the unknown label {labels[0]!r}{hint}; "
                         f"accepted: {', '.join(self.kinds)} (configs/label_studio.xml)")
        elif not all(isinstance(n, int) and not isinstance(n, bool) for n in (start, end)) \
                or not 0 <= start < end <= len(self.text):
            self.problem("region outside the text skipped", f"{name}: offsets start={start!r} end={end!r} are not a "
                         f"span of the text; accepted: 0 <= start < end <= {len(self.text)} (characters of data.text)")
        elif value.get("text") is not None and value["text"] != self.text[start:end]:
            # Label Studio releases before 2022 counted an emoji (any character past U+FFFF) as two
            hint = " (an old Label Studio counts an emoji as two characters)" if max(self.text) > "\uffff" else ""
            self.problem("region whose text differs from the task's skipped",
                         f"{name} ({labels[0]}) reads {value['text']!r} but data.text[{start}:{end}] is "
                         f"{self.text[start:end]!r}{hint}; accepted: a region whose text is data.text[start:end]")
        else:
            self.regions[region_id] = _Region(region_id, labels[0], self.kinds[labels[0]], Span(start, end))
            return
        if isinstance(region_id, str):
            self.skipped.add(region_id)

    def _relation(self, result: dict[str, Any]) -> None:
        ends = [result.get("from_id"), result.get("to_id")]
        labels = result.get("labels") or []
        if not isinstance(labels, list):
            labels = [labels]
        name = f"relation {ends[0]!r} - {ends[1]!r}"
        missing = [end for end in ends if not isinstance(end, str) or end not in self.regions]
        if missing:
            skipped = all(isinstance(end, str) and end in self.skipped for end in missing)
            self.problem("relation to a skipped region skipped" if skipped else "relation to a missing region skipped",
                         f"{name}: no labelled region {', '.join(map(repr, missing))} in the annotation; accepted: "
                         "relations between its labelled regions")
            return
        a, b = (self.regions[end] for end in ends)
        if a.kind == "trigger" and b.kind != "trigger" or b.kind == "trigger" and a.kind != "trigger":
            trigger, target = (a, b) if a.kind == "trigger" else (b, a)
            if target.kind in (ARGUMENT, "entity"):
                self._argument(trigger, target, labels, name)
                return
        elif frozenset((a.kind, b.kind)) in CLAIM_LINKS:
            if labels:
                self.problem("claim link with a label skipped", f"{name} ({a.label} - {b.label}) is labelled "
                             f"{labels}; accepted: no label on a claim link (roles label trigger - argument links)")
                return
            a.links.append((b, []))
            b.links.append((a, []))
            return
        self.problem("relation between regions that cannot be linked skipped",
                     f"{name} joins a {a.label} and a {b.label} region; {ACCEPTED_LINKS}")

    def _argument(self, trigger: _Region, target: _Region, roles: list[str], name: str) -> None:
        accepted = f"accepted: one or more of {', '.join(self.schema.event_roles[trigger.label])}"
        if not roles:
            self.problem("argument link without a role skipped", f"{name} ({trigger.label} - {target.label}) has no "
                         f"role; {accepted}")
            return
        for role in roles:
            if role not in self.schema.event_roles[trigger.label]:
                self.problem("argument role outside the schema skipped",
                             f"{name}: {trigger.label} takes no role {role!r}; {accepted}")
            else:
                trigger.links.append((target, [role]))
                target.links.append((trigger, [role]))

    def claims(self) -> list[Claim]:
        """A claim for each cue, with the cues linked to it (its fragments) and the sources and contents linked to
        any of them; a source or content no cue links is reported."""
        claims, seen = [], set()
        for cue in sorted((r for r in self.regions.values() if r.kind == "cue"), key=lambda r: r.span):
            if cue.id in seen:
                continue
            group, todo = {cue.id: cue}, [cue]
            while todo:  # the cue's fragments: cues linked to it, and to them
                for other, _ in todo.pop().links:
                    if other.kind == "cue" and other.id not in group:
                        group[other.id] = other
                        todo.append(other)
            seen.update(group)
            parts = {part: sorted({o.span for c in group.values() for o, _ in c.links if o.kind == part})
                     for part in ("source", "content")}
            claims.append(Claim(parts["source"], sorted(c.span for c in group.values()), parts["content"]))
        for region in self.regions.values():
            if region.kind in ("source", "content") and not region.links:
                self.problem("claim part linked to no cue skipped", f"region {region.id!r} ({region.kind} "
                             f"{self._quote(region)}) is linked to no cue; accepted: a {region.kind} linked to its "
                             "claim's cue by a relation")
        return claims

    def events(self) -> list[Event]:
        events = []
        for trigger in sorted((r for r in self.regions.values() if r.kind == "trigger"), key=lambda r: r.span):
            arguments = {(role, target.span) for target, roles in trigger.links for role in roles}
            events.append(Event(trigger.label, trigger.span, [Argument(role, span) for role, span in sorted(
                arguments, key=lambda item: (item[1], item[0]))]))
        for region in self.regions.values():
            if region.kind == ARGUMENT and not region.links:
                self.problem("argument linked to no trigger skipped", f"region {region.id!r} ({ARGUMENT} "
                             f"{self._quote(region)}) is linked to no trigger; accepted: an {ARGUMENT} linked from "
                             "its event's trigger by a relation labelled with its role")
        return events

    def _quote(self, region: _Region) -> str:
        return repr(region.span.text_in(self.text)[:40])
