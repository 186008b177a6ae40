"""What every ``python -m training.*`` command line shares: its name in the help, defaults shown in it, and its logs."""

from __future__ import annotations

import argparse
import logging
import os


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``ArgumentDefaultsHelpFormatter`` without the noise: no ``(default: None)`` on options that have no default,
    no ``(default: False)`` on flags, and nothing added where the help already says what the default is."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def command_parser(module: str, doc: str) -> argparse.ArgumentParser:
    """The parser of ``python -m MODULE``, described by the first line of the module's docstring.

    ``prog`` is set because argparse would otherwise name the command after the file (``evaluate.py``), which
    is not what a user types.

    Example:
        >>> command_parser("training.evaluate", "Span-level evaluation.").prog
        'python -m training.evaluate'
    """
    return argparse.ArgumentParser(prog=f"python -m {module}", description=doc.splitlines()[0],
                                   formatter_class=DefaultsHelpFormatter)


def setup_logging() -> None:
    """INFO logs from the main process, only warnings from the others, in one format for every command (as the
    transformers examples do with ``TrainingArguments.get_process_log_level``).

    Example:
        >>> setup_logging()  # doctest: +SKIP
    """
    # torchrun and accelerate launch set RANK in every process they start; without it, this is the only process.
    rank = int(os.environ.get("RANK", "0"))
    where = f" [rank {rank}]" if rank else ""
    logging.basicConfig(format=f"%(asctime)s %(levelname)s %(name)s{where}: %(message)s",
                        level=logging.INFO if rank == 0 else logging.WARNING)
