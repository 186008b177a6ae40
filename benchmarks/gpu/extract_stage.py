"""The extract stage: ``extract`` on the GPU equal to the CPU on real articles, its words/s against the
token-classification pipeline at several articles per call (``benchmarks/speed.py``'s worker, in this process), and
where the time of one large call goes (cProfile by part of the pipeline, torch.profiler by operator)."""

from __future__ import annotations

import cProfile
import pstats
import time
from pathlib import Path

from .timing import synchronize

ROOT = Path(__file__).resolve().parents[2]
# Parts of the pipeline by the file a function is in (the first match counts); a function in none of them (a builtin,
# a library's helper) is counted in its callers' parts.
PARTS = (
    ("tokenisation", ("/tokenizers/", "/tokenization_", "inference/core/alignment.py")),
    ("decoding", ("inference/core/decoding.py", "inference/runtime/article_decoder.py",
                  "inference/core/claim_frames.py")),
    ("claim linking", ("inference/core/claim_linking.py",)),
    ("windows and batches", ("inference/runtime/window_runner.py", "inference/runtime/predictor.py",
                             "inference/runtime/backends.py")),
    ("model forward", ("/torch/", "/transformers/", "inference/core/modeling.py")),
    ("results", ("inference/interface/",)),
)
# Builtins that copy a CUDA tensor to the host: their time is mostly the CPU waiting for the GPU's queued work.
WAITS = ("<method 'cpu' of", "<method 'item' of", "<method 'tolist' of", "<method 'numpy' of")
WAITING = "waiting for the GPU (copies to the host)"


def without_scores(value):
    """A result dict with every ``score`` left out (GPU and CPU kernels differ in the last digits, not in spans).

    Example:
        >>> without_scores({"claims": [{"score": 0.9, "cue": {"start": 0}}]})
        {'claims': [{'cue': {'start': 0}}]}
    """
    if isinstance(value, dict):
        return {key: without_scores(item) for key, item in value.items() if key != "score"}
    return [without_scores(item) for item in value] if isinstance(value, list) else value


def matches_cpu(model_dir: str, texts: list[str], device: str) -> dict:
    """``extract``'s results on ``device`` against the CPU's on ``texts``: equal without scores, and the largest
    score difference.

    Example:
        >>> matches_cpu("runs/gpu/model", texts[:8], "cuda")  # doctest: +SKIP
        {'articles': 8, 'spans_equal': True, 'max_score_difference': 3.1e-06, 'spans': 112}
    """
    from inference import Predictor

    results = {where: [a.to_dict() for a in Predictor.from_pretrained(model_dir, device=where).predict(texts)]
               for where in ("cpu", device)}
    scores = {where: _scores(found) for where, found in results.items()}
    same = [without_scores(a) for a in results[device]] == [without_scores(a) for a in results["cpu"]]
    difference = max((abs(a - b) for a, b in zip(scores["cpu"], scores[device], strict=False)), default=0.0)
    return {"articles": len(texts), "spans_equal": same, "spans": len(scores["cpu"]),
            "max_score_difference": difference if len(scores["cpu"]) == len(scores[device]) else None}


def speed(model_dir: str, texts: list[str], batch_sizes: list[int], repeats: int, device: str,
          deadline: float) -> dict:
    """Words/s of ``extract`` and of the pipeline at each of ``batch_sizes`` articles per call, the median of
    ``repeats`` runs taken in rounds, and ``extract``'s rate at the largest batch with more windows per forward pass
    (``WIDE_WINDOWS``); a measurement that would start after ``deadline`` is left out and named."""
    from benchmarks.speed import median_run, worker

    timed = [(system, batch) for batch in batch_sizes for system in ("pipeline", "extract")]
    samples, skipped = {key: [] for key in timed}, []
    for round_ in range(repeats):
        for system, batch in timed:
            if time.monotonic() > deadline:
                skipped.append(f"{system} batch {batch}, run {round_ + 1}")
                continue
            run = worker(system, batch, texts, model_dir, device)
            # a process's start and peak RSS say nothing here: every run shares this process
            samples[system, batch].append({k: v for k, v in run.items() if k not in ("first_result_seconds",
                                                                                     "peak_rss_mb")})
    rows = [median_run(samples[key]) for key in timed if samples[key]]
    rate = {(row["system"], row["batch"]): row["words_per_second"] for row in rows}
    ratio = {str(b): rate["extract", b] / rate["pipeline", b] for b in batch_sizes if ("pipeline", b) in rate
             and ("extract", b) in rate}
    wide = [] if time.monotonic() > deadline else wide_windows(model_dir, texts, max(batch_sizes), device)
    return {"model": model_dir, "device": device, "articles": len(texts), "words_per_article": len(texts[0].split()),
            "rows": rows, "extract_over_pipeline": ratio, "wide_windows": wide, "skipped": skipped}


WIDE_WINDOWS = (64, 256)  # windows per forward pass tried beside extract's default (BATCH_SIZE, chosen on a CPU)


def wide_windows(model_dir: str, texts: list[str], batch: int, device: str) -> list[dict]:
    """``extract``'s words/s at ``batch`` articles per call with each of ``WIDE_WINDOWS`` windows per forward pass
    (one timed run each, after a warm-up call)."""
    from inference import Predictor, extract

    predictor = Predictor.from_pretrained(model_dir, device=device)
    words, rows = sum(len(text.split()) for text in texts), []
    for windows in WIDE_WINDOWS:
        extract(texts[:batch], model=predictor, batch_size=windows)
        synchronize()
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            extract(texts[i : i + batch], model=predictor, batch_size=windows)
        synchronize()
        seconds = time.perf_counter() - start
        rows.append({"articles_per_call": batch, "windows_per_forward": windows, "words_per_second": words / seconds})
    return rows


def profile_call(model_dir: str, texts: list[str], device: str) -> dict:
    """Where one ``extract`` call on all of ``texts`` spends its time: cProfile's self time summed by part of the
    pipeline (``PARTS``; copies to the host apart, ``WAITS``) and the 25 functions with the most cumulative time; then
    torch.profiler on a second call: GPU busy time and the operators with the most GPU and CPU self time."""
    from inference import Predictor, extract

    predictor = Predictor.from_pretrained(model_dir, device=device)
    extract(texts[:2], model=predictor)  # warm-up: first kernels, allocator
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(extract, texts, model=predictor)
    synchronize()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats
    parts: dict[str, float] = {}
    for key, (_, _, own, _, callers) in stats.items():
        if _part(key):
            parts[_part(key)] = parts.get(_part(key), 0.0) + own
        else:  # a builtin or a library's helper: its callers' parts, in the proportion each called it
            for caller, (_, _, caller_own, _) in callers.items():
                part = _caller_part(caller, stats)
                parts[part] = parts.get(part, 0.0) + caller_own
    top = sorted(stats.items(), key=lambda item: -item[1][3])[:25]
    return {"articles": len(texts), "words": sum(len(t.split()) for t in texts), "wall_seconds": wall,
            "self_seconds_by_part": dict(sorted(parts.items(), key=lambda item: -item[1])),
            "top_cumulative": [{"function": f"{_where(key)}:{key[2]}", "calls": value[1], "self_seconds": value[2],
                                "cumulative_seconds": value[3]} for key, value in top],
            "torch_profiler": torch_profile(predictor, texts, device)}


def torch_profile(predictor, texts: list[str], device: str, top: int = 12) -> dict:
    """torch.profiler over one ``extract`` call: wall time, GPU busy time (the sum of kernel self times) and the
    operators with the most GPU and CPU self time."""
    from torch.profiler import ProfilerActivity, profile

    from inference import extract

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.startswith("cuda") else [])
    start = time.perf_counter()
    with profile(activities=activities) as prof:
        extract(texts, model=predictor)
        synchronize()
    wall = time.perf_counter() - start
    events = prof.key_averages()
    gpu = lambda e: getattr(e, "self_device_time_total", getattr(e, "self_cuda_time_total", 0)) / 1e6  # noqa: E731
    busy = sum(gpu(e) for e in events)

    def rows(key) -> list[dict]:
        ranked = sorted(events, key=key, reverse=True)[:top]
        return [{"op": e.key, "calls": e.count, "gpu_self_seconds": gpu(e), "cpu_self_seconds": e.self_cpu_time_total
                 / 1e6} for e in ranked]

    return {"wall_seconds": wall, "gpu_busy_seconds": busy, "gpu_busy_fraction": busy / wall,
            "top_gpu": rows(gpu) if busy else [], "top_cpu": rows(lambda e: e.self_cpu_time_total)}


def _part(key: tuple) -> str | None:
    filename, _, name = key
    if any(name.startswith(wait) for wait in WAITS):
        return WAITING
    path = filename.replace("\\", "/")
    return next((part for part, needles in PARTS if any(needle in path for needle in needles)), None)


def _caller_part(key: tuple, stats: dict, depth: int = 12) -> str:
    """The part of ``key``, or else of the caller that called it for the most time, and so on up; "other" when no
    caller within ``depth`` calls has one (recursion and the profiler's own frames)."""
    for _ in range(depth):
        if part := _part(key):
            return part
        callers = stats.get(key, (0, 0, 0, 0, {}))[4]
        if not callers:
            break
        key = max(callers, key=lambda caller: callers[caller][2])
    return "other"


def _where(key: tuple) -> str:
    """A function's file, from its package or the repository root on."""
    filename = key[0].replace("\\", "/")
    for marker in ("/site-packages/", f"{ROOT.as_posix()}/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _scores(value) -> list[float]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in ([item] if key == "score" else _scores(item))]
    return [s for item in value for s in _scores(item)] if isinstance(value, list) else []
