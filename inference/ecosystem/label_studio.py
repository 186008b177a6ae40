"""Label Studio (labelstud.io): its labeling config for our schema, its task files, and extraction results written as
tasks with ``predictions`` (pre-annotations) that annotators correct and export for training
(``training/data/importers/label_studio.py`` reads the export). One home for the names both sides use.

How an article is drawn (docs/label_studio.md), over one ``<Text name="text" value="$text"/>``:

- a region has one label of the ``<Labels name="label">`` control: a claim part (``source``, ``cue``, ``content``), a
  trigger (its event type, ``Life:Die``), an entity mention (its ACE type, ``PER``), or ``argument`` (an argument
  that is no entity mention);
- a relation means what the labels of the two regions it joins say, whichever way its arrow points: cue - source and
  cue - content put that part in the cue's claim, cue - cue joins two fragments of one cue (no relation label);
  trigger - argument or entity is an event argument, labelled with its role(s) (``Victim``).

A cue anchors its claim (a source or content may be shared by several), a trigger its event. Event to claim links and
speakers are computed from the spans: they are not drawn.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from ..core.articles import Article, DataError, Span
from ..core.schema import LabelSchema
from ..interface.inputs import ArticleIds, decode_text
from ..interface.outputs import replaced_atomically

CONTROL, OBJECT = "label", "text"  # the <Labels name> regions come from, the <Text name> (and data key) they mark
ARGUMENT = "argument"  # the region label of an argument span that is no entity mention
COLOURS = {"source": "#4e79a7", "cue": "#59a14f", "content": "#edc948", "trigger": "#e15759", ARGUMENT: "#b07aa1",
           "entity": "#9c9c9c"}
# (an XML comment may not hold two hyphens in a row: no command-line options in it)
HEADER = f"""<!-- newsextract's Label Studio labeling config, generated from the label schema: regenerate it with
     python -m inference.ecosystem.label_studio -o configs/label_studio.xml rather than edit it.
     Regions: source, cue, content; a trigger, labelled with its event type; an entity mention, with its type;
     {ARGUMENT}: an event argument that is no entity mention.
     Relations, either direction: cue - source, cue - content (the cue's claim), cue - cue (fragments of one cue),
     with no label; trigger - {ARGUMENT} or entity: an argument of that event, labelled with its role.
     How to label: docs/label_studio.md -->
"""
ACCEPTED_TASKS = ('accepted: a Label Studio JSON export (not JSON-MIN), or a JSON list of tasks {"data": {"text": '
                  '...}}')


def region_kinds(schema: LabelSchema) -> dict[str, str]:
    """Every region label of the config for ``schema``, and the kind of region it marks: a claim part, ``trigger``,
    ``argument`` or ``entity``.

    Example:
        >>> kinds = region_kinds(LabelSchema.default())
        >>> kinds["cue"], kinds["Life:Die"], kinds["PER"], kinds["argument"]
        ('cue', 'trigger', 'entity', 'argument')
    """
    labelled = [*((part, part) for part in schema.claim_parts), *((name, "trigger") for name in schema.event_types),
                (ARGUMENT, ARGUMENT), *((name, "entity") for name in schema.entity_types)]
    kinds = dict(labelled)
    if len(kinds) != len(labelled):  # one label, two meanings: an export could not say which was meant
        seen = [label for label, _ in labelled]
        twice = sorted({label for label in seen if seen.count(label) > 1})
        raise ValueError(f"the schema names {twice} twice (claim parts, event types, {ARGUMENT!r} and entity types "
                         "label regions in one Label Studio control); accepted: distinct names")
    return kinds


def label_config(schema: LabelSchema | None = None) -> str:
    """The Label Studio labeling config (XML) for ``schema`` (default: M2E2's): ``configs/label_studio.xml``.

    Example:
        >>> print(label_config().splitlines()[-2])
          <Text name="text" value="$text"/>
    """
    schema = schema or LabelSchema.default()
    relations = "".join(f"    <Relation value={quoteattr(role)}/>\n" for role in schema.roles)
    labels = "".join(f"    <Label value={quoteattr(label)} background={quoteattr(COLOURS[kind])}/>\n"
                     for label, kind in region_kinds(schema).items())
    return (f"{HEADER}<View>\n  <Relations choice=\"multiple\">\n{relations}  </Relations>\n"
            f'  <Labels name="{CONTROL}" toName="{OBJECT}">\n{labels}  </Labels>\n'
            f'  <Text name="{OBJECT}" value="${OBJECT}"/>\n</View>\n')


def parse_tasks(content: str, name: str | Path) -> list[dict[str, Any]]:
    """The tasks of a Label Studio task file (a JSON list of tasks, or one task), each with ``data.text`` a string;
    anything else is a ``DataError`` naming ``name``, the task and what is accepted.

    Example:
        >>> parse_tasks('[{"data": {"text": "He said no."}}]', "tasks.json")[0]["data"]["text"]
        'He said no.'
    """
    try:
        tasks = json.loads(content.removeprefix("\ufeff"))
    except (ValueError, RecursionError) as error:  # bad JSON; an integer of over 4,300 digits; nesting too deep
        raise DataError(f"invalid JSON: {str(error)[:200]}; {ACCEPTED_TASKS}", name) from None
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list):
        raise DataError(f"expected a JSON list of tasks, got {type(tasks).__name__}; {ACCEPTED_TASKS}", name)
    for number, task in enumerate(tasks, start=1):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            raise DataError(f"task {number} has no 'data' object; {ACCEPTED_TASKS}", name)
        if not isinstance(data.get(OBJECT), str):
            found = "missing" if data.get(OBJECT) is None else f"{json.dumps(data[OBJECT])[:40]}, not a string"
            raise DataError(f"task {number}: data.{OBJECT} is {found}; {ACCEPTED_TASKS} (the article in "
                            f"data.{OBJECT}, the ${OBJECT} of the config)", name)
    return tasks


def task_article_id(task: dict[str, Any]) -> object:
    """The id of the article a task holds: ``data.id`` (where ``--label-studio`` keeps it), else the task's own
    ``id`` (Label Studio's number), else None (the reader makes one up).

    Example:
        >>> task_article_id({"id": 7, "data": {"id": "afp-1", "text": "..."}}), task_article_id({"id": 7, "data": {}})
        ('afp-1', 7)
    """
    return task["data"].get("id", task.get("id"))


def task_inputs(paths: Sequence[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(article id, text, task)`` for every task of Label Studio task files (``-``: stdin), for
    ``python -m inference --format label-studio``; ids follow :func:`task_article_id`, ``FILE:N`` (the N-th task)
    when a task has none, and are unique (``inference.interface.inputs.ArticleIds``).

    Example::

        [(article_id, text) for article_id, text, _ in task_inputs(["tasks.json"])]
    """
    ids = ArticleIds()
    for path in paths:
        content = sys.stdin.read() if path == "-" else decode_text(Path(path).read_bytes(), path)
        name = "<stdin>" if path == "-" else path
        for number, task in enumerate(parse_tasks(content, name), start=1):
            yield ids.take(task_article_id(task), f"{name}:{number}", name, number), task["data"][OBJECT], task


def to_task(article: Article, model_version: str, task: dict[str, Any] | None = None, number: int = 1
            ) -> dict[str, Any]:
    """A Label Studio task holding ``article`` as a prediction of ``model_version``: ``task`` (one read by
    :func:`task_inputs`) keeps its ``id`` and ``data``; without one, ``data`` is the article's text and id. Region
    ids start ``t<number>``, so that they differ between the tasks of a file.

    The prediction's ``score`` is its least certain claim or event (1.0 when it has none): sorting tasks by it in
    Label Studio puts first those most worth a look.

    Example:
        >>> task = to_task(Article("afp-1", "Calm."), "newsextract test")
        >>> task["data"], task["predictions"][0]["score"], task["predictions"][0]["result"]
        ({'text': 'Calm.', 'id': 'afp-1'}, 1.0, [])
    """
    scores = [item.score for item in (*article.claims, *article.events) if item.score is not None]
    kept = {"id": task["id"]} if task is not None and "id" in task else {}
    data = task["data"] if task is not None else {OBJECT: article.text, "id": article.id}
    prediction = {"model_version": model_version, "score": round(min(scores, default=1.0), 4),
                  "result": prediction_results(article, f"t{number}")}
    return {**kept, "data": data, "predictions": [prediction]}


def prediction_results(article: Article, prefix: str = "") -> list[dict[str, Any]]:
    """An article's claims, events and entities as Label Studio results: labelled regions (with their scores) and
    the relations between them, drawn as the module's docstring says. Region ids are ``<prefix>r<n>``.

    Example:
        >>> from inference.core.articles import Claim
        >>> article = Article("a", "He said no.", claims=[Claim([Span(0, 2)], [Span(3, 7)], [Span(8, 10)], 0.9)])
        >>> [(r["value"]["labels"], r["value"]["text"]) for r in prediction_results(article) if "value" in r]
        [(['cue'], 'said'), (['source'], 'He'), (['content'], 'no')]
    """
    regions = _Regions(article.text, prefix)
    entities: dict[Span, str] = {}  # span -> its (first) entity region: an argument there is drawn on it
    for entity in article.entities:
        entities.setdefault(entity.span, regions.add(entity.type, entity.span, entity.score, shared=True))
    for number, claim in enumerate(article.claims):
        if not claim.cue:
            raise ValueError(f"article {article.id!r}: claim {number} has no cue; accepted: claims with a cue (a "
                             "Label Studio claim hangs on its cue)")
        cue, *more = [regions.add("cue", span, claim.score) for span in claim.cue]  # a cue anchors one claim
        for fragment in more:
            regions.link(cue, fragment)
        for part in ("source", "content"):
            for span in getattr(claim, part):
                regions.link(cue, regions.add(part, span, claim.score, shared=True))
    for event in article.events:
        trigger = regions.add(event.type, event.trigger, event.score)  # a trigger anchors one event
        roles: dict[str, list[str]] = {}  # argument region -> the roles it holds in this event
        for argument in event.arguments:
            target = entities.get(argument.span) or regions.add(ARGUMENT, argument.span, argument.score, shared=True)
            roles.setdefault(target, []).append(argument.role)
        for target, labels in roles.items():
            regions.link(trigger, target, labels)
    return regions.results


class _Regions:
    """The results being drawn for one article: labelled regions (one per label and span where ``shared``) and the
    relations between them."""

    def __init__(self, text: str, prefix: str) -> None:
        self.text, self.prefix = text, prefix
        self.results: list[dict[str, Any]] = []
        self.count = 0
        self.shared: dict[tuple[str, Span], dict[str, Any]] = {}

    def add(self, label: str, span: Span, score: float | None, shared: bool = False) -> str:
        """The id of a region labelled ``label`` on ``span``: the earlier one when ``shared`` (its score the best
        of theirs), else a new one."""
        if shared and (label, span) in self.shared:
            region = self.shared[label, span]
            if score is not None:
                region["score"] = max(region.get("score", 0.0), round(score, 4))
            return region["id"]
        self.count += 1
        region = {"id": f"{self.prefix}r{self.count}", "from_name": CONTROL, "to_name": OBJECT, "type": "labels",
                  "value": {"start": span.start, "end": span.end, "text": span.text_in(self.text), "labels": [label]},
                  **({"score": round(score, 4)} if score is not None else {})}
        self.results.append(region)
        if shared:
            self.shared[label, span] = region
        return region["id"]

    def link(self, source: str, target: str, labels: Sequence[str] = ()) -> None:
        self.results.append({"from_id": source, "to_id": target, "type": "relation", "direction": "right",
                             "labels": list(labels)})


@contextmanager
def task_file(path: str, model_version: str) -> Iterator[Callable[..., None]]:
    """Write Label Studio tasks to ``path`` as they come (``add(article, task=None)``, see :func:`to_task`): a JSON
    list, one task per line, that appears whole or not at all (``inference.interface.outputs.replaced_atomically``).

    Example::

        with task_file("tasks.json", "newsextract default") as add:
            add(result.to_article("afp-1", text))
    """
    with replaced_atomically(path) as out:
        count = 0

        def add(article: Article, task: dict[str, Any] | None = None) -> None:
            nonlocal count
            count += 1
            out.write(("[\n" if count == 1 else ",\n") + _json(to_task(article, model_version, task, count)))

        yield add
        out.write("\n]\n" if count else "[]\n")


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a JSON "\ud800" escape) cannot be UTF-8: escaped, as JSON may
        text = json.dumps(value)
    return text


def model_version(model: str | None, folder: Path) -> str:
    """What a prediction says made it: the model as named (``default`` for the shipped one) and the start of its
    weights' sha256, so that a model retrained in the same folder reads as another version.

    Example:
        >>> from inference.core.model_folder import DEFAULT_MODEL
        >>> model_version(None, DEFAULT_MODEL)[:29]
        'newsextract default (weights '
    """
    from ..core.model_folder import weights_sha256

    digest = weights_sha256(folder)
    return f"newsextract {model or 'default'}" + (f" (weights {digest[:12]})" if digest else "")


def main(argv: list[str] | None = None) -> None:
    """``python -m inference.ecosystem.label_studio``: write the labeling config for a model's schema."""
    parser = argparse.ArgumentParser(prog="python -m inference.ecosystem.label_studio",
                                     description="Write the Label Studio labeling config for a model's label schema "
                                                 "(configs/label_studio.xml is the shipped model's).")
    parser.add_argument("--model", default=None, metavar="FOLDER",
                        help="A model folder (its schema.json; default: the shipped model).")
    parser.add_argument("--output", "-o", default=None, metavar="FILE.xml", help="Write here (default: stdout).")
    options = parser.parse_args(argv)
    from ..core.model_folder import DEFAULT_MODEL, SCHEMA_FILE

    folder = Path(options.model) if options.model else DEFAULT_MODEL
    if not (folder / SCHEMA_FILE).is_file():
        parser.exit(2, f"{parser.prog}: --model {folder}: no {SCHEMA_FILE} in it; accepted: a model folder saved by "
                       "training\n")
    config = label_config(LabelSchema.load(folder))
    if options.output is None:
        sys.stdout.write(config)
        return
    with replaced_atomically(options.output) as out:
        out.write(config)


if __name__ == "__main__":
    main()
