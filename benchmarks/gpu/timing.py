"""Timing training steps and the card they run on: FLOPs counted per step, a timed block of steps, the bf16 matmul
rate of the same card (the denominator of model FLOPs utilisation), and a callback that stops a run at a deadline."""

from __future__ import annotations

import dataclasses
import time

import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import TrainerCallback

# Dense (no sparsity) bf16 tensor-core peaks from the vendors' datasheets, TFLOP/s, by the first name part found in
# torch.cuda.get_device_name: reported beside the measured matmul rate, never instead of it.
DATASHEET_BF16_TFLOPS = (("H100 PCIe", 756.0), ("H100", 989.0), ("H200", 989.0), ("A100", 312.0))


@dataclasses.dataclass
class StepTimer(TrainerCallback):
    """Counts the FLOPs of the first ``count_steps`` training steps (forward, backward and optimizer; only matrix
    products and attention count), then times ``timed_steps`` steps from step ``timed_from`` on, from the start of the
    first to the end of the last, the device synchronised at both ends. Evaluations run after a step's end: a timed
    block that ends at or before the first evaluation step holds none.

    Example:
        >>> StepTimer(count_steps=2, timed_from=10, timed_steps=100).seconds is None  # filled in by the Trainer
        True
    """

    count_steps: int
    timed_from: int
    timed_steps: int
    flops_per_step: list[int] = dataclasses.field(default_factory=list)
    seconds: float | None = None
    tokens: int | None = None
    _counter: FlopCounterMode | None = None
    _start: tuple[float, int] | None = None

    def __post_init__(self) -> None:
        if self.count_steps < 1 or self.timed_steps < 1 or self.timed_from < self.count_steps:
            raise ValueError(f"count_steps={self.count_steps}, timed_from={self.timed_from}, timed_steps="
                             f"{self.timed_steps}; accepted: 1 or more steps each, timed from after the counted ones")

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step < self.count_steps:
            self._counter = FlopCounterMode(display=False)
            self._counter.__enter__()
        elif state.global_step == self.timed_from:
            synchronize()
            self._start = (time.perf_counter(), state.num_input_tokens_seen)

    def on_step_end(self, args, state, control, **kwargs):
        if self._counter is not None:
            self._counter.__exit__(None, None, None)
            self.flops_per_step.append(self._counter.get_total_flops())
            self._counter = None
        if state.global_step == self.timed_from + self.timed_steps and self._start is not None:
            synchronize()
            self.seconds = time.perf_counter() - self._start[0]
            self.tokens = state.num_input_tokens_seen - self._start[1]

    def summary(self, matmul_tflops: float | None, datasheet_tflops: float | None) -> dict:
        """The timed block as a dict: seconds per step, tokens/s, FLOPs per step and the utilisations; an error
        when the run ended before the block did."""
        if self.seconds is None or not self.flops_per_step:
            raise RuntimeError(f"training stopped before step {self.timed_from + self.timed_steps}, the last one timed")
        flops = sum(self.flops_per_step) / len(self.flops_per_step)
        per_step = self.seconds / self.timed_steps
        return {"timed_steps": f"{self.timed_from + 1}-{self.timed_from + self.timed_steps}",
                "seconds_per_step": per_step, "steps_per_second": 1 / per_step,
                "tokens_per_second": self.tokens / self.seconds, "flops_per_step": flops,
                "achieved_tflops": flops / per_step / 1e12,
                "mfu_vs_measured_matmul": utilisation(flops, per_step, matmul_tflops),
                "mfu_vs_datasheet": utilisation(flops, per_step, datasheet_tflops)}


@dataclasses.dataclass
class DeadlineStop(TrainerCallback):
    """Ends training after the step during which ``time.monotonic()`` passed ``deadline``; ``stopped_at`` is that
    step (None when the run ended on its own). The run then saves and scores what it has, as at its last step.

    Example:
        >>> DeadlineStop(deadline=time.monotonic() + 60).stopped_at is None
        True
    """

    deadline: float
    stopped_at: int | None = None

    def on_step_end(self, args, state, control, **kwargs):
        if time.monotonic() > self.deadline and not control.should_training_stop:
            control.should_training_stop = True
            self.stopped_at = state.global_step


@dataclasses.dataclass
class Phases(TrainerCallback):
    """When the training loop began and ended (``time.monotonic``): what a run spends before it (reading and cutting
    the data, building the model) and after it (calibration, saving, the test run) is the rest of its wall time.

    Example:
        >>> Phases().began is None  # filled in by the Trainer
        True
    """

    began: float | None = None
    ended: float | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.began = time.monotonic()

    def on_train_end(self, args, state, control, **kwargs):
        self.ended = time.monotonic()


def datasheet_tflops(device_name: str) -> float | None:
    """The datasheet's dense bf16 peak of a GPU by its name; None when it is not in ``DATASHEET_BF16_TFLOPS``.

    Example:
        >>> datasheet_tflops("NVIDIA H100 80GB HBM3"), datasheet_tflops("NVIDIA H100 PCIe"), datasheet_tflops("cpu")
        (989.0, 756.0, None)
    """
    return next((tflops for name, tflops in DATASHEET_BF16_TFLOPS if name in device_name), None)


def utilisation(flops_per_step: float, seconds_per_step: float, peak_tflops: float | None) -> float | None:
    """Model FLOPs utilisation: the FLOP/s a step achieves over a peak (TFLOP/s); None without a peak.

    Example:
        >>> round(utilisation(8.8e12, 0.02, 790.0), 3)  # 8.8 TFLOP in 20 ms against a 790 TFLOP/s matmul
        0.557
    """
    return flops_per_step / seconds_per_step / (peak_tflops * 1e12) if peak_tflops else None


def matmul_tflops(device: str, size: int = 8192, repeats: int = 10) -> dict:
    """The rate of a large square matrix product on ``device``: bf16 on CUDA (what the tensor cores reach, the
    practical ceiling of a training step), fp32 on a CPU; the mean of ``repeats`` timed products after 3 warm-ups.

    Example:
        >>> matmul_tflops("cuda")["tflops"]  # doctest: +SKIP
        788.1
    """
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    generator = torch.Generator(device=device).manual_seed(0)
    a, b = (torch.randn(size, size, device=device, dtype=dtype, generator=generator) for _ in range(2))
    for _ in range(3):
        torch.mm(a, b)
    synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        torch.mm(a, b)
    synchronize()
    seconds = (time.perf_counter() - start) / repeats
    return {"size": size, "dtype": str(dtype).removeprefix("torch."), "seconds": seconds,
            "tflops": 2 * size**3 / seconds / 1e12}


def synchronize() -> None:
    """Wait for the GPU's queued work (nothing on a CPU): timings then end where the work does."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
