"""seqeval as an ``evaluate`` metric that lives in this repository, so it loads offline by path.

Same inputs and outputs as the hub's ``seqeval`` metric, but strict IOB2 by default: an entity counts only when its
``B-`` tag, its ``I-`` tags and its type all match (the hub default, ``conlleval`` mode, also accepts entities that
start with a stray ``I-``). Load it by the script's path (a directory works only if named like the script)::

    import evaluate
    seqeval = evaluate.load("training/evaluation/metrics/seqeval.py")
    seqeval.compute(predictions=[["B-cue", "O"]], references=[["B-cue", "O"]])["overall_f1"]  # -> 1.0
"""

import importlib

import datasets
import evaluate
from seqeval.metrics import accuracy_score, classification_report

_CITATION = """\
@misc{seqeval,
  title={{seqeval}: A Python framework for sequence labeling evaluation},
  url={https://github.com/chakki-works/seqeval},
  author={Hiroki Nakayama},
  year={2018},
}
"""

_DESCRIPTION = """\
Precision, recall and F1 of labelled spans in tag sequences (CoNLL-style chunk evaluation), computed by seqeval.
Defaults to strict IOB2 matching.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of predicted tag sequences, one list of tags such as "B-cue", "I-cue", "O" per sentence.
    references: list of gold tag sequences, aligned with predictions.
    suffix: True if the type comes before the tag ("cue-B").
    scheme: tagging scheme, one of IOB1, IOB2, IOE1, IOE2, IOBES, BILOU (default IOB2); None with mode=None.
    mode: "strict" (default) or None for conlleval-style lenient chunking.
    sample_weight: optional weight per sentence.
    zero_division: value of a ratio whose denominator is 0: 0 (default), 1 or "warn".
Returns:
    overall_precision, overall_recall, overall_f1, overall_accuracy, and per entity type a dict with
    precision, recall, f1 and number (the gold count).
"""

SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Seqeval(evaluate.Metric):
    """Span-level precision/recall/F1 over tag sequences (strict IOB2 unless told otherwise)."""

    def _info(self):
        sequence = datasets.Sequence(datasets.Value("string", id="label"), id="sequence")
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            homepage="https://github.com/chakki-works/seqeval",
            features=datasets.Features({"predictions": sequence, "references": sequence}),
            codebase_urls=["https://github.com/chakki-works/seqeval"],
            reference_urls=["https://github.com/chakki-works/seqeval"],
        )

    def _compute(self, predictions, references, suffix=False, scheme="IOB2", mode="strict", sample_weight=None,
                 zero_division=0):
        if scheme is not None:
            if scheme not in SCHEMES:
                raise ValueError(f"unknown scheme {scheme!r}; accepted: {', '.join(SCHEMES)} or None")
            scheme = getattr(importlib.import_module("seqeval.scheme"), scheme)
        if mode not in ("strict", None):
            raise ValueError(f"unknown mode {mode!r}; accepted: 'strict' or None")
        report = classification_report(y_true=references, y_pred=predictions, suffix=suffix, output_dict=True,
                                       scheme=scheme, mode=mode, sample_weight=sample_weight,
                                       zero_division=zero_division)
        report.pop("macro avg")  # NaN with no entities; callers average as they need
        report.pop("weighted avg")
        overall = report.pop("micro avg")
        scores = {
            name: {"precision": float(s["precision"]), "recall": float(s["recall"]), "f1": float(s["f1-score"]),
                   "number": int(s["support"])}
            for name, s in report.items()
        }
        scores["overall_precision"] = float(overall["precision"])
        scores["overall_recall"] = float(overall["recall"])
        scores["overall_f1"] = float(overall["f1-score"])
        # seqeval divides by the number of tags: with none at all (empty sentences) accuracy is 0, not a crash.
        has_tags = any(len(tags) for tags in references)
        scores["overall_accuracy"] = float(accuracy_score(y_true=references, y_pred=predictions)) if has_tags else 0.0
        return scores
