"""The roofline of ``benchmarks/speed.py``: the words/s this machine would reach if every FLOP of the model's forward
pass ran at the fp32 matmul throughput measured here, and the CPU features that decide int8 speed."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode


def cpu_flags() -> list[str]:
    """The CPU features that decide int8 speed (VNNI: int8 dot products in one instruction), from /proc/cpuinfo."""
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    except OSError:  # not Linux
        return []
    flags = next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), [])
    return [flag for flag in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if flag in flags]


def matmul_flops_per_second(seconds: float = 3.0) -> float:
    """fp32 matmul throughput of this machine, on shapes like the model's (2,048 tokens x 384 -> 1,536)."""
    a, b = torch.randn(2048, 384), torch.randn(384, 1536)
    torch.mm(a, b)
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        torch.mm(a, b)
        calls += 1
    return 2 * 2048 * 384 * 1536 * calls / (time.perf_counter() - start)


def roofline(model_dir: str, texts: list[str]) -> dict:
    """Forward FLOPs per token (counted by torch on one full window) and the words/s the machine's matmuls allow."""
    from transformers import AutoTokenizer

    from inference.core.modeling import EventClaimModel

    model = EventClaimModel.from_pretrained(model_dir, dtype=torch.float32).eval()
    window = model.config.window
    ids = torch.randint(1000, 2000, (1, window))
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(ids, torch.ones_like(ids))
    flops_per_token = counter.get_total_flops() / window
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokens = sum(len(tokenizer(t, add_special_tokens=False, verbose=False)["input_ids"]) for t in texts)
    words = sum(len(t.split()) for t in texts)
    throughput = matmul_flops_per_second()
    return {"flops_per_token": flops_per_token, "tokens_per_word": tokens / words,
            "matmul_gflops": throughput / 1e9, "words_per_second": throughput / (flops_per_token * tokens / words)}
