"""The label schema: which event types, argument roles and claim parts the model tags, and their BIO label lists.

The schema is saved as ``schema.json`` beside every model so that a model folder says by itself what it extracts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .model_folder import SCHEMA_FILE

# M2E2's 8 ACE event types and the roles its arguments take, per type.
M2E2_ROLES: dict[str, list[str]] = {
    "Conflict:Attack": ["Attacker", "Target", "Instrument", "Place"],
    "Conflict:Demonstrate": ["Entity", "Police", "Instrument", "Place"],
    "Contact:Meet": ["Entity", "Place"],
    "Contact:Phone-Write": ["Entity", "Instrument", "Place"],
    "Justice:Arrest-Jail": ["Agent", "Person", "Instrument", "Place"],
    "Life:Die": ["Agent", "Victim", "Instrument", "Place"],
    "Movement:Transport": ["Agent", "Artifact", "Vehicle", "Origin", "Destination"],
    "Transaction:Transfer-Money": ["Giver", "Recipient", "Money"],
}
CLAIM_PARTS = ["source", "cue", "content"]
# ACE's entity types as M2E2 annotates them (its few VALUE mentions left out): every M2E2 argument is one such mention.
ENTITY_TYPES = ["PER", "ORG", "GPE", "LOC", "FAC", "VEH", "WEA"]


def bio_labels(types: list[str]) -> list[str]:
    """IOB2 labels for span types, ``O`` first.

    >>> bio_labels(["cue"])
    ['O', 'B-cue', 'I-cue']
    """
    return ["O"] + [f"{prefix}-{name}" for name in types for prefix in ("B", "I")]


@dataclass
class LabelSchema:
    """What the model extracts: event types with their roles, the parts of a claim, and entity types.

    Example:
        >>> schema = LabelSchema.default()
        >>> schema.trigger_labels[:3]
        ['O', 'B-Conflict:Attack', 'I-Conflict:Attack']
    """

    event_roles: dict[str, list[str]] = field(default_factory=lambda: {k: list(v) for k, v in M2E2_ROLES.items()})
    claim_parts: list[str] = field(default_factory=lambda: list(CLAIM_PARTS))
    entity_types: list[str] = field(default_factory=lambda: list(ENTITY_TYPES))

    def __post_init__(self) -> None:
        if not self.event_roles:
            raise ValueError("LabelSchema.event_roles is empty: give at least one event type with its roles")
        if sorted(self.claim_parts) != sorted(CLAIM_PARTS):
            raise ValueError(f"LabelSchema.claim_parts is {self.claim_parts!r}; accepted: {CLAIM_PARTS!r}")

    @classmethod
    def default(cls) -> LabelSchema:
        return cls()

    @property
    def event_types(self) -> list[str]:
        return list(self.event_roles)

    @property
    def roles(self) -> list[str]:
        """Every role of every event type, each once, sorted."""
        return sorted({role for roles in self.event_roles.values() for role in roles})

    @property
    def trigger_labels(self) -> list[str]:
        return bio_labels(self.event_types)

    @property
    def argument_labels(self) -> list[str]:
        return bio_labels(self.roles)

    @property
    def claim_labels(self) -> list[str]:
        return bio_labels(self.claim_parts)

    @property
    def frame_labels(self) -> list[str]:
        """What the frame head tags around one cue: that claim's source and content (IOB2)."""
        return bio_labels([part for part in self.claim_parts if part != "cue"])

    @property
    def entity_labels(self) -> list[str]:
        return bio_labels(self.entity_types)

    def check_event(self, event_type: str, role: str | None = None) -> None:
        """Raise ``ValueError`` naming the accepted values if an event type (or its role) is not in the schema."""
        if event_type not in self.event_roles:
            raise ValueError(f"unknown event type {event_type!r}; accepted: {', '.join(self.event_types)}")
        if role is not None and role not in self.event_roles[event_type]:
            raise ValueError(
                f"unknown role {role!r} for {event_type}; accepted: {', '.join(self.event_roles[event_type])}"
            )

    def save(self, directory: str | Path) -> Path:
        path = Path(directory) / SCHEMA_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: str | Path) -> LabelSchema:
        path = Path(directory) / SCHEMA_FILE
        return cls(**json.loads(path.read_text(encoding="utf-8")))
