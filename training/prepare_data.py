"""Build the release splits, by article, from the corpora in ``../shared/data``.

Usage::

    python -m training.prepare_data --shared ../shared/data --out data/release

PolNeAR's train split -> train; its published dev split -> half dev, half test (PolNeAR's own test split is held back
by the data's owners). M2E2's articles -> 80 % train, 10 % dev, 10 % test. Articles are assigned by a stable hash of
their id, so the split is the same on every machine. Writes ``{train,dev,test}.jsonl`` and ``import_report.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from pathlib import Path

from inference.document import Article, write_jsonl

from .importers import ImportReport, read_m2e2, read_polnear

logger = logging.getLogger("training.prepare_data")


def bucket(article_id: str) -> float:
    """A stable number in [0, 1) from an article id (Python's ``hash`` changes between runs).

    Example:
        >>> bucket("VOA_EN_NW_2016.04.19.3291980") == bucket("VOA_EN_NW_2016.04.19.3291980")
        True
    """
    return int(hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8], 16) / 16**8


def split(articles: list[Article], dev: float, test: float) -> dict[str, list[Article]]:
    """Assign whole articles to train/dev/test by their id's bucket."""
    out: dict[str, list[Article]] = {"train": [], "dev": [], "test": []}
    for article in articles:
        b = bucket(article.id)
        out["dev" if b < dev else "test" if b < dev + test else "train"].append(article)
    return out


def prepare(shared: Path, out: Path) -> dict[str, list[Article]]:
    report = ImportReport()
    polnear_train, r1 = read_polnear(shared / "polnear" / "data" / "train", errors="skip")
    polnear_dev, r2 = read_polnear(shared / "polnear" / "data" / "dev", errors="skip")
    m2e2, r3 = read_m2e2(shared / "m2e2" / "text_only_event.json", errors="skip")
    report.merge(r1).merge(r2).merge(r3)
    held_out = split(polnear_dev, dev=0.5, test=0.5)
    events = split(m2e2, dev=0.1, test=0.1)
    splits = {
        "train": polnear_train + held_out["train"] + events["train"],
        "dev": held_out["dev"] + events["dev"],
        "test": held_out["test"] + events["test"],
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, articles in splits.items():
        write_jsonl(articles, out / f"{name}.jsonl")
        logger.info("%s: %d articles, %d claims, %d events", name, len(articles),
                    sum(len(a.claims) for a in articles), sum(len(a.events) for a in articles))
    (out / "import_report.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    logger.info("skipped or merged: %s", report)
    return splits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"), help="Folder of the corpora.")
    parser.add_argument("--out", type=Path, default=Path("data/release"), help="Where to write the splits.")
    options = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    prepare(options.shared, options.out)


if __name__ == "__main__":
    main()
