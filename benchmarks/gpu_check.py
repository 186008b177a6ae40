"""The GPU path measured in one prepared run: ``python -m benchmarks.gpu_check`` (the code is in ``benchmarks/gpu/``).

Here, with PyPI reachable, ``--prepare`` fills ``.gpu/`` with what the GPU machine lacks and prints the MiB that a
call sends; there, in one call, the run writes one JSON per stage into ``--out`` as each stage ends (the ``gpu``
tests, a release-recipe training run, ``extract``'s speed and profile, a sweep whose best model may come back);
``--dry-run`` runs the same code on a CPU with a tiny random encoder. docs/gpu.md has the commands and the budget.
"""

from __future__ import annotations

import sys

from benchmarks.gpu.cli import main

if __name__ == "__main__":
    sys.exit(main())
