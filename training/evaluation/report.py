"""Evaluation reports: ``eval_results.json`` (every number, unrounded) and ``eval_results.md`` (tables ×100)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from inference.core.model_folder import EVAL_REPORT_FILE, EVAL_RESULTS_FILE

from .span_metrics import HEADLINE_TASKS, TASKS, flat_metrics

logger = logging.getLogger(__name__)

TITLES = {
    "trigger_identification": "Trigger identification",
    "trigger_classification": "Trigger classification",
    "argument_classification": "Argument classification",
    "arguments_gold_triggers": "Argument classification, gold triggers given",
    "claim_source": "Claim source",
    "claim_cue": "Claim cue",
    "claim_content": "Claim content",
    "claims": "Claims (all parts)",
    "linked_claims": "Whole claims (source, cue and content linked)",
    "entities": "Entity mentions (ACE types)",
}
NOTES = {"linked_claims": "A claim is exact when all its parts are, and overlaps when each of its parts shares a word "
                          "with the gold claim's (or both lack it)."}
COLUMNS = ("Exact P", "Exact R", "Exact F1", "Overlap F1", "Support")


def percent(value: float) -> str:
    """A score in [0, 1] as a percentage with one decimal: ``0.8042`` -> ``"80.4"``."""
    return f"{100 * value:.1f}"


def _cells(exact: dict[str, Any], overlap: dict[str, Any] | None) -> list[str]:
    overlap_f1 = percent(overlap["f1"]) if overlap else "-"
    return [percent(exact["precision"]), percent(exact["recall"]), percent(exact["f1"]), overlap_f1,
            str(exact["support"])]


def _dropped_note(dropped: dict[str, int]) -> str:
    return (f"Overlapping spans left out of exact scoring: gold {dropped.get('gold', 0)}, "
            f"predicted {dropped.get('pred', 0)}.")


def _table(first: str, rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line([first, *COLUMNS]), "|---" + "|---:" * len(COLUMNS) + "|", *map(line, rows)]


def markdown_report(scores: dict[str, Any], meta: dict[str, Any]) -> str:
    """The Markdown report: run details, a summary of the headline tasks, then one table per task.

    Example:
        >>> task = {"exact": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2, "per_type": {}},
        ...         "overlap": {"f1": 0.8, "per_type": {}}, "dropped_overlapping": {"gold": 0, "pred": 1}}
        >>> print(markdown_report({"claim_cue": task}, {}).splitlines()[9])
        | Claim cue | 100.0 | 50.0 | 66.7 | 80.0 | 2 |
    """
    lines = ["# Evaluation results", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += ["", "Exact: seqeval strict IOB2 span match on words. Overlap: F1 of characters shared with gold spans "
              "of the same type. Scores ×100.", "", "## Summary", ""]
    summary = [[TITLES[name], *_cells(scores[name]["exact"], scores[name]["overlap"])]
               for name in HEADLINE_TASKS if name in scores]
    lines += _table("Task", summary)
    lines += ["", f"Mean exact F1 of these tasks (`overall_f1`): {percent(flat_metrics(scores)['overall_f1'])}"]
    for name in TASKS:
        if name not in scores:
            continue
        task = scores[name]
        rows = [["**overall**", *_cells(task["exact"], task["overlap"])]]
        rows += [[type_name, *_cells(exact, task["overlap"]["per_type"].get(type_name))]
                 for type_name, exact in task["exact"]["per_type"].items()]
        note = NOTES.get(name) or _dropped_note(task.get("dropped_overlapping", {}))
        lines += ["", f"## {TITLES[name]}", "", *_table("Type", rows), "",
                  f"Articles scored: {task.get('articles', '-')}. {note}"]
    if "events_in_claims" in scores:
        lines += ["", "## Events attributed to claims", "", _attribution(scores["events_in_claims"]) + ": predicted "
                  "events inside gold claim content whose `claim` points to the predicted claim with that cue."]
    if "triggers_adjudicated" in scores:
        lines += ["", "## Trigger classification, adjudicated", "", _adjudicated(scores["triggers_adjudicated"])]
    return "\n".join(lines + _scores_section(scores)) + "\n"


def _scores_section(scores: dict[str, Any]) -> list[str]:
    lines = []
    if scores.get("score_calibration"):
        lines += ["", _calibration(scores["score_calibration"]) + " (expected calibration error, 10 bins: the mean gap "
                  "between the score and the share right; `training/evaluation/score_outcomes.py` says what right "
                  "means)"]
    if scores.get("score_thresholds"):
        lines += ["", *threshold_table(scores["score_thresholds"]), "", THRESHOLDS_NOTE]
    return ["", "## Scores", *lines] if lines else []


THRESHOLDS_NOTE = ("Kept: the claims (events, arguments) scored at least the threshold, as `extract(threshold=...)` "
                   "keeps them; precision: the share of them right; recall: the share of gold claims (events, "
                   "arguments) one of them is right for. ×100; `training/evaluation/score_thresholds.py`.")


def _share(value: float | None) -> str:
    return "-" if value is None else percent(value)


def threshold_table(figure: dict[str, Any]) -> list[str]:
    """The Markdown table of ``score_thresholds`` (``score_thresholds.py``): a row per threshold, precision, recall
    (×100) and how many kept for each kind.

    Example:
        >>> row = {"threshold": 0.9, "kept": 3, "right": 3, "precision": 1.0, "found": 3, "recall": 0.25}
        >>> print("\\n".join(threshold_table({"claim": {"predicted": 9, "gold": 12, "rows": [row]}})))
        | score ≥ | claim precision | claim recall | claims kept |
        |---:|---:|---:|---:|
        | 0.9 | 100.0 | 25.0 | 3 of 9 |
    """
    kinds = list(figure)
    judged = " (judged)" if figure.get("event", {}).get("judged") else ""
    header = ["score ≥"] + [cell for kind in kinds for cell in
                            (f"{kind} precision{judged if kind == 'event' else ''}", f"{kind} recall", f"{kind}s kept")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for i, threshold in enumerate(figure[kinds[0]]["rows"]):
        cells = [f"{threshold['threshold']:g}"]
        for kind in kinds:
            row = figure[kind]["rows"][i]
            cells += [_share(row["precision"]), _share(row["recall"]), f"{row['kept']} of {figure[kind]['predicted']}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _thresholds_line(figure: dict[str, Any]) -> str:
    return "; ".join(f"{kind} " + ", ".join(f"≥{row['threshold']:g} P {_share(row['precision'])} R "
                                            f"{_share(row['recall'])} ({row['kept']})" for row in table["rows"])
                     for kind, table in figure.items())


def _adjudicated(figure: dict[str, Any]) -> str:
    verdicts = ", ".join(f"{count} {verdict}" for verdict, count in figure["verdicts"].items())
    return (f"precision {percent(figure['precision'])} against the gold, {percent(figure['adjudicated_precision'])} "
            f"adjudicated (predictions the gold lacks, judged: {verdicts}; only `real` counts, unjudged ones count "
            f"wrong); recall {percent(figure['recall'])} against the gold; F1 {percent(figure['f1'])} / "
            f"{percent(figure['adjudicated_f1'])} (exact character spans and types, {figure['predicted']} predicted, "
            f"{figure['gold']} gold)")


def _calibration(figure: dict[str, Any]) -> str:
    return "; ".join(f"{kind} ECE {value['ece']:.3f} ({value['right']} of {value['items']} right)"
                     for kind, value in figure.items())


def _attribution(figure: dict[str, Any]) -> str:
    return f"{percent(figure['share'])} % ({figure['attributed']} of {figure['events']})"


def write_report(scores: dict[str, Any], out_dir: str | Path, meta: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``eval_results.json`` and ``eval_results.md`` into ``out_dir``; returns both paths.

    ``meta`` describes the run (model, data, articles, device, seconds, ...); values that are not JSON (paths)
    are written as strings.

    Example::

        json_path, md_path = write_report(span_scores(gold, predictions), "runs/x/model",
                                          {"model": "runs/x/model", "articles": len(gold)})
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / EVAL_RESULTS_FILE, out / EVAL_REPORT_FILE
    document = {"meta": meta, "summary": flat_metrics(scores), "scores": scores}
    json_path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown_report(scores, meta), encoding="utf-8")
    logger.debug("wrote %s and %s", json_path, md_path)
    return json_path, md_path


def format_summary(scores: dict[str, Any]) -> str:
    """A plain-text table of every scored task (×100) and ``overall_f1``, for logs.

    Example:
        >>> task = {"exact": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}, "overlap": {"f1": 0.8}}
        >>> print(format_summary({"claim_cue": task}))
        task                      exact P  exact R exact F1 overlap F1  support
        claim_cue                   100.0     50.0     66.7       80.0        2
        overall_f1                                     66.7
    """
    lines = [f"{'task':<24} {'exact P':>8} {'exact R':>8} {'exact F1':>8} {'overlap F1':>10} {'support':>8}"]
    for name in TASKS:
        if name in scores:
            exact, overlap = scores[name]["exact"], scores[name]["overlap"]
            lines.append(f"{name:<24} {percent(exact['precision']):>8} {percent(exact['recall']):>8} "
                         f"{percent(exact['f1']):>8} {percent(overlap['f1']):>10} {exact['support']:>8}")
    lines.append(f"{'overall_f1':<24} {'':>8} {'':>8} {percent(flat_metrics(scores)['overall_f1']):>8}")
    if "events_in_claims" in scores:
        lines.append(f"{'events_in_claims':<24} {_attribution(scores['events_in_claims'])}")
    if "triggers_adjudicated" in scores:
        lines.append(f"{'triggers_adjudicated':<24} {_adjudicated(scores['triggers_adjudicated'])}")
    if scores.get("score_calibration"):
        lines.append(f"{'score_calibration':<24} {_calibration(scores['score_calibration'])}")
    if scores.get("score_thresholds"):
        lines.append(f"{'score_thresholds':<24} {_thresholds_line(scores['score_thresholds'])}")
    return "\n".join(lines)
