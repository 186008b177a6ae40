"""Build the release splits, by article, from the corpora in ``../shared/data``.

Usage::

    python -m training.prepare_data --shared ../shared/data --out data/release

PolNeAR's train split -> train; its published dev split -> half dev, half test (PolNeAR's own test split is held back
by the data's owners). M2E2's articles -> 80 % train, 10 % dev, 10 % test, each article by a stable hash of its id,
so the split is the same on every machine and never cuts an article. WikiEvents (its train file, in gen-arg's format,
and its dev file; mapped onto M2E2's types by ``configs/event_mapping.yaml``) -> ``wikievents_{train,dev,test}.jsonl``
by the same hash, 80/10/10: fully annotated documents, in KAIROS's trigger conventions, which a config trains beside
M2E2 and which measure event precision honestly. RAMS (its dev file; one trigger labelled per document) ->
``rams.jsonl``, extra training data. Known quirks of the corpora are skipped with ``errors="skip"``: each skip is
counted in ``import_report.json`` beside the splits.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from inference.core.articles import Article, write_jsonl

from .cli import command_parser, run_command, setup_logging
from .data.importers import ImportReport, load_articles

logger = logging.getLogger("training.prepare_data")  # not __name__: run with -m, that is "__main__"

SPLITS = ("train", "dev", "test")


def bucket(article_id: str) -> float:
    """A stable number in [0, 1) from an article id (Python's ``hash`` is salted per process).

    Example:
        >>> bucket("VOA_EN_NW_2016.04.19.3291980") == bucket("VOA_EN_NW_2016.04.19.3291980")
        True
    """
    return int(hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8], 16) / 16**8


def split(articles: list[Article], dev: float, test: float) -> dict[str, list[Article]]:
    """Assign whole articles to train/dev/test by their id's bucket: dev below ``dev``, test below ``dev + test``.

    Example:
        >>> parts = split([Article(str(i), "x") for i in range(10)], dev=0.5, test=0.5)
        >>> [len(parts[name]) for name in SPLITS]
        [0, 4, 6]
    """
    if not (0 <= dev and 0 <= test and dev + test <= 1):
        raise ValueError(f"dev={dev}, test={test}; accepted: fractions >= 0 that sum to at most 1")
    out: dict[str, list[Article]] = {name: [] for name in SPLITS}
    for article in articles:
        b = bucket(article.id)
        out["dev" if b < dev else "test" if b < dev + test else "train"].append(article)
    return out


REQUIRED = ("polnear/data/train", "polnear/data/dev", "m2e2/text_only_event.json")  # the rest is optional
ACCEPTED_SHARED = (f"the folder of the corpora: {', '.join(REQUIRED)}, and optionally wikievents/train.jsonl, "
                   "wikievents/dev.jsonl, rams/dev.jsonlines")


def check_shared(shared: Path) -> None:
    """An error naming ``shared`` and what it lacks unless it holds the core corpora (before anything is read).

    Example:
        >>> check_shared(Path("/nowhere"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: --shared /nowhere: no such folder; accepted: the folder of the corpora: ...
    """
    if not shared.is_dir():
        raise FileNotFoundError(f"--shared {shared}: no such folder; accepted: {ACCEPTED_SHARED}")
    missing = [name for name in REQUIRED if not (shared / name).exists()]
    if missing:
        raise FileNotFoundError(f"--shared {shared}: no {', '.join(missing)} in it; accepted: {ACCEPTED_SHARED}")


def prepare(shared: Path, out: Path) -> dict[str, list[Article]]:
    """Import PolNeAR and M2E2 (and WikiEvents and RAMS where present) from ``shared``, write the splits and the
    import report to ``out``."""
    report = ImportReport()
    corpora = {}
    for name, path in (("polnear train", shared / "polnear" / "data" / "train"),
                       ("polnear dev", shared / "polnear" / "data" / "dev"),
                       ("m2e2", shared / "m2e2" / "text_only_event.json"),
                       ("wikievents dev", shared / "wikievents" / "dev.jsonl"),
                       ("wikievents train", shared / "wikievents" / "train.jsonl"),
                       ("rams", shared / "rams" / "dev.jsonlines")):
        if name.startswith(("wikievents", "rams")) and not path.exists():  # extra data: the core splits do without
            logger.warning("%s not found: %s left out", path, name)
            corpora[name] = []
            continue
        corpora[name], skipped = load_articles(path, errors="skip")
        report.merge(skipped)
    held_out = split(corpora["polnear dev"], dev=0.5, test=0.5)
    events = split(corpora["m2e2"], dev=0.1, test=0.1)
    wikievents = split(corpora["wikievents train"] + corpora["wikievents dev"], dev=0.1, test=0.1)
    splits = {
        "train": corpora["polnear train"] + held_out["train"] + events["train"],
        "dev": held_out["dev"] + events["dev"],
        "test": held_out["test"] + events["test"],
        **{f"wikievents_{name}": wikievents[name] for name in SPLITS},
        "rams": corpora["rams"],
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, articles in splits.items():
        write_jsonl(articles, out / f"{name}.jsonl")
        logger.info("%s: %d articles (%d claim-annotated, %d event-annotated), %d claims, %d events", name,
                    len(articles), sum("claims" in a.layers for a in articles),
                    sum("claims" not in a.layers for a in articles), sum(len(a.claims) for a in articles),
                    sum(len(a.events) for a in articles))
    (out / "import_report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    report.log(logger, "all corpora")
    return splits


def main(argv: list[str] | None = None) -> None:
    parser = command_parser("training.prepare_data", __doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"), help="Folder of the corpora.")
    parser.add_argument("--out", type=Path, default=Path("data/release"), help="Where to write the splits.")
    options = parser.parse_args(argv)
    check_shared(options.shared)
    setup_logging()
    prepare(options.shared, options.out)


if __name__ == "__main__":
    run_command(main, "training.prepare_data")
