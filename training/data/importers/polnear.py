"""PolNeAR (networkdynamics/PolNeAR): attributions in brat standoff, ``text/NAME.txt`` + ``attributions/NAME_xxxx.ann``.

Quirks handled here, each counted in the report under ``"polnear: ..."``:

- some articles have one ``.ann`` per annotator (``xxxx`` is the annotator's id): we keep the first in sorted order,
  so that each article is annotated once and consistently;
- ``Discuss`` and ``Discard`` are annotators' markers, not attributions;
- ``Attribution-no-source`` has a cue and content but no source: a claim with an empty source;
- an offset that does not match its text is an error, or with ``errors="skip"`` its claim is skipped;
- PolNeAR is univocal, yet a few claims overlap: one BIO layer cannot hold both, so the later one is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from inference.core.articles import Article, DataError

from .brat import parse_ann, read_text
from .brat_articles import BratMapping, to_article
from .import_report import ImportReport, problem

MAPPING = BratMapping(markers=frozenset({"Discuss", "Discard"}), prefix="polnear")


def annotation_files(ann_dir: Path) -> dict[str, list[Path]]:
    """Group ``NAME_xxxx.ann`` files by article ``NAME``, each group in sorted order.

    Example::

        annotation_files(Path("../shared/data/polnear/data/dev/attributions"))
        # -> {'breitbart_2016-09-09_...': [PosixPath('.../breitbart_2016-09-09_..._4e07.ann')], ...}
    """
    groups: dict[str, list[Path]] = defaultdict(list)
    for ann in sorted(ann_dir.glob("*.ann")):
        name, underscore, _ = ann.stem.rpartition("_")
        groups[name if underscore else ann.stem].append(ann)
    return dict(groups)


def read_polnear(split_dir: str | Path, errors: str = "raise") -> tuple[list[Article], ImportReport]:
    """Read one PolNeAR split folder (``text/`` and ``attributions/``): one claim-annotated article per text file.

    Articles have ``layers=("claims",)``: PolNeAR annotates attribution only, so their events are unknown, not
    absent. ``meta`` holds the publisher, the annotator and the annotation file used.

    Example::

        articles, report = read_polnear("../shared/data/polnear/data/train", errors="skip")
        len(articles), articles[0].layers  # -> (840, ('claims',))
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors={errors!r}; accepted: 'raise', 'skip'")
    split_dir = Path(split_dir)
    text_dir, ann_dir = split_dir / "text", split_dir / "attributions"
    if not ann_dir.is_dir():
        raise DataError("not a PolNeAR split: expected an 'attributions/' folder beside 'text/'", split_dir)
    if not text_dir.is_dir():  # annotator-training style: texts beside the attributions folder
        text_dir = split_dir
    groups = annotation_files(ann_dir)
    report = ImportReport()
    for name in sorted(set(groups) - {t.stem for t in text_dir.glob("*.txt")}):
        problem(errors, report, "polnear: annotation file without its text skipped",
                f"no text file {name}.txt in {text_dir}", groups[name][0], None)
    articles = []
    for txt in sorted(text_dir.glob("*.txt")):
        files = groups.get(txt.stem)
        if not files:  # an unannotated text would teach "no attribution here": leave it out, counted
            report.add("polnear: text without an annotation file skipped")
            continue
        report.add("polnear: extra annotator file skipped", len(files) - 1)
        text = read_text(txt)
        article = to_article(txt.stem, text, parse_ann(files[0], text, errors, report, MAPPING.prefix), report,
                             MAPPING, errors)
        # Every PolNeAR event type is an attribution; anything else would be a new annotation scheme.
        report.add("polnear: event that is not an attribution skipped", len(article.events))
        article.events = []
        article.layers = ("claims",)
        article.meta = {"corpus": "polnear", "publisher": txt.stem.split("_", 1)[0],
                        "annotator": files[0].stem.rpartition("_")[2], "annotation_file": files[0].name}
        articles.append(article)
    return articles, report
