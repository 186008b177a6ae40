"""The GPU path, measured in one prepared run on a machine lent for minutes (docs/gpu.md).

- ``bundle``: what travels there besides the tracked tree (wheels, the backbone in fp16, the data, the shipped
  model's scores) and the 64 MiB budget, measured;
- ``stages``: one JSON per stage, the deadline, the machine, stage 1 (the ``gpu`` tests);
- ``timing``: FLOPs per step, timed steps, the card's bf16 matmul rate, a deadline callback;
- ``training_run``: stage 2, a real run of the config and a scan of larger batches;
- ``extract_stage``: stage 3, CUDA against the CPU, words/s against the pipeline, one large call profiled;
- ``sweep``: stage 4, steps × learning rate × seed scored on dev, the best brought back if it beats the shipped model;
- ``bring_back``: fp16 weights in parts under 16 MiB with sha256, and their reassembly here;
- ``cli``: the command, ``python -m benchmarks.gpu_check``.
"""
