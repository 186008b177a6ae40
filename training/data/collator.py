"""Padding a list of windows into tensors for :class:`inference.core.modeling.EventClaimModel`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from inference.core.alignment import IGNORE_INDEX


@dataclass
class WindowCollator:
    """Pads token ids, the label layers, each window's trigger conventions, and its triggers and cues (``-1`` pads).

    Example::

        batch = WindowCollator(pad_token_id=0)([dataset[0], dataset[1]])
        batch["argument_labels"].shape  # (B, K, T)
    """

    pad_token_id: int

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(r["input_ids"]) for r in rows)

        def pad(values: list[int], value: int) -> list[int]:
            return list(values) + [value] * (width - len(values))

        batch = {
            "input_ids": torch.tensor([pad(r["input_ids"], self.pad_token_id) for r in rows]),  # (B, T)
            "attention_mask": torch.tensor([pad([1] * len(r["input_ids"]), 0) for r in rows]),  # (B, T)
            "claim_labels": torch.tensor([pad(r["claim_labels"], IGNORE_INDEX) for r in rows]),  # (B, T)
            "trigger_labels": torch.tensor([pad(r["trigger_labels"], IGNORE_INDEX) for r in rows]),  # (B, T)
            "entity_labels": torch.tensor([pad(r["entity_labels"], IGNORE_INDEX) for r in rows]),  # (B, T)
            "convention": torch.tensor([r["convention"] for r in rows]),  # (B,)
        }
        # Triggers with their argument labels, cues with their frame labels, padded with -1 anchors. At least one
        # (padding) anchor column: the argument and frame heads then run in every step, which data-parallel training
        # needs (a head unused on one process and used on another stalls gradient synchronisation).
        blank = [IGNORE_INDEX] * width
        for positions, labels in (("trigger_positions", "argument_labels"), ("cue_positions", "frame_labels")):
            anchors = max(1, *(len(r[positions]) for r in rows))
            batch[positions] = torch.tensor(
                [list(r[positions]) + [-1] * (anchors - len(r[positions])) for r in rows]
            )  # (B, K)
            batch[labels] = torch.tensor(
                [[pad(a, IGNORE_INDEX) for a in r[labels]] + [blank] * (anchors - len(r[labels])) for r in rows]
            )  # (B, K, T)
        return batch
