"""Mapping another corpus's event ontology (KAIROS in WikiEvents, AIDA in RAMS) onto the schema's M2E2 types.

The mapping lives in ``configs/event_mapping.yaml``, one section per corpus::

    wikievents:
      types: {Conflict.Attack: Conflict:Attack, Movement.Transportation.PreventPassage: null}
      unknown: [Contact.Contact]
      roles: {Conflict:Attack: {Attacker: Attacker, ExplosiveDevice: Instrument}}

A source type maps by its longest listed prefix of whole dot-separated components (in ``types`` and ``unknown``
together); ``null`` says "not an event of the schema" for a subtype of a mapped prefix, and a prefix in ``unknown``
says "may or may not be an event of the schema" (``Contact.Contact`` mixes meetings, letters and broadcasts): such a
trigger is neither an event nor a "no trigger" word, and importers put it in the article's ``masked_triggers``. Roles
map per M2E2 type; a role not listed is dropped (and counted).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from inference.core.articles import Argument, DataError, Event, Span, iter_json_lines
from inference.core.schema import LabelSchema

from ...strict_yaml import check_keys
from .import_report import ImportReport

# configs/event_mapping.yaml, through a link inside the package: a wheel install has no source tree around it.
DEFAULT_EVENT_MAPPING = Path(__file__).parents[2] / "resources" / "event_mapping.yaml"
CORPORA = ("wikievents", "rams")
SECTION_KEYS = ("types", "unknown", "roles")


@dataclass(frozen=True)
class EventMapping:
    """Source event type prefix -> M2E2 type (or ``None``), the prefixes whose events are of unknown type, and per
    M2E2 type: source role -> M2E2 role.

    Example:
        >>> mapping = EventMapping({"Life.Die": "Life:Die", "Life.Die.Natural": None},
        ...                        {"Life:Die": {"Killer": "Agent"}}, frozenset({"Contact"}))
        >>> [mapping.map_type(t) for t in ["Life.Die.Unspecified", "Life.Die.Natural", "Life.Dies", "Contact.Meet"]]
        ['Life:Die', None, None, None]
        >>> mapping.is_unknown("Contact.Meet"), mapping.is_unknown("Life.Die.Natural")
        (True, False)
        >>> mapping.map_role("Life:Die", "Killer"), mapping.map_role("Life:Die", "Victim")
        ('Agent', None)
    """

    types: dict[str, str | None]
    roles: dict[str, dict[str, str]]
    unknown: frozenset[str] = frozenset()

    def _longest_prefix(self, source_type: str) -> str | None:
        parts = source_type.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in self.types or prefix in self.unknown:
                return prefix
        return None

    def map_type(self, source_type: str) -> str | None:
        """The M2E2 type of the longest listed prefix (whole components, case-sensitive), or ``None``."""
        return self.types.get(self._longest_prefix(source_type))

    def is_unknown(self, source_type: str) -> bool:
        """Whether the longest listed prefix says the type may or may not be an event of the schema."""
        return self._longest_prefix(source_type) in self.unknown

    def map_role(self, m2e2_type: str, source_role: str) -> str | None:
        """The M2E2 role of ``source_role`` in an event of ``m2e2_type``, or ``None`` (not mapped)."""
        return self.roles.get(m2e2_type, {}).get(source_role)


def load_event_mapping(path: str | Path, corpus: str, schema: LabelSchema | None = None) -> EventMapping:
    """Read one corpus's section of a mapping file strictly: unknown keys and targets outside ``schema`` are errors.

    Example:
        >>> mapping = load_event_mapping(DEFAULT_EVENT_MAPPING, "rams")
        >>> mapping.map_type("life.die.nonviolentdeath"), mapping.map_role("Life:Die", "killer")
        ('Life:Die', 'Agent')
    """
    path, schema = Path(path), schema or LabelSchema.default()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    check_keys(raw, CORPORA, f"{path}: top level")
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; accepted: {', '.join(CORPORA)}")
    if corpus not in raw:
        raise ValueError(f"{path}: no section {corpus!r}; the file has {', '.join(raw) or 'none'}")
    section = raw[corpus]
    check_keys(section, SECTION_KEYS, f"{path}: {corpus}")
    types, roles, unknown = section.get("types") or {}, section.get("roles") or {}, section.get("unknown") or []
    check_keys(types, None, f"{path}: {corpus}.types")
    if not isinstance(unknown, list) or not all(isinstance(prefix, str) for prefix in unknown):
        raise ValueError(f"{path}: {corpus}.unknown: got {unknown!r}; accepted: a list of type prefixes")
    both = sorted(set(unknown) & set(types))
    if both:
        raise ValueError(f"{path}: {corpus}: {both} listed in both types and unknown; accepted: one of them")
    accepted_types = ", ".join(schema.event_types)
    for source, target in types.items():
        if target is not None and target not in schema.event_roles:
            raise ValueError(f"{path}: {corpus}.types.{source}: {target!r} is not an event type of the schema; "
                             f"accepted: {accepted_types}, or null (not an event of the schema)")
    check_keys(roles, schema.event_types, f"{path}: {corpus}.roles")
    for m2e2_type, table in roles.items():
        check_keys(table, None, f"{path}: {corpus}.roles.{m2e2_type}")
        for source, target in table.items():
            if target not in schema.event_roles[m2e2_type]:
                raise ValueError(f"{path}: {corpus}.roles.{m2e2_type}.{source}: {target!r} is not a role of "
                                 f"{m2e2_type}; accepted: {', '.join(schema.event_roles[m2e2_type])}")
    return EventMapping({str(k): v for k, v in types.items()},
                        {t: {str(k): v for k, v in table.items()} for t, table in roles.items()}, frozenset(unknown))


def as_event_mapping(mapping: EventMapping | str | Path | None, corpus: str,
                     schema: LabelSchema | None = None) -> EventMapping:
    """``mapping`` itself, or ``corpus``'s section of a mapping file (None: ``configs/event_mapping.yaml``)."""
    if isinstance(mapping, EventMapping):
        return mapping
    return load_event_mapping(mapping or DEFAULT_EVENT_MAPPING, corpus, schema)


def iter_documents(path: Path, keys: tuple[str, ...]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, document)`` for each JSON line of ``path``; a document lacking one of ``keys`` is a ``DataError``."""
    for line, doc in iter_json_lines(path):
        missing = [key for key in keys if key not in doc]
        if missing:
            raise DataError(f"a document lacks {', '.join(missing)}; each needs {', '.join(keys)}", path, line)
        yield line, doc


def is_schema_event(mapping: EventMapping, source_type: str, trigger: Span, masked: list[Span],
                    report: ImportReport, prefix: str) -> bool:
    """Whether a source event maps onto a type of the schema; the trigger of one whose mapping is unknown is added to
    ``masked`` (neither an event nor a "no trigger" word), and both kinds of miss are counted.

    Example:
        >>> mapping, masked = EventMapping({"Life.Die": "Life:Die"}, {}, frozenset({"Contact"})), []
        >>> is_schema_event(mapping, "Contact.Meet", Span(0, 3), masked, ImportReport(), "demo"), masked
        (False, [Span(start=0, end=3)])
    """
    if mapping.is_unknown(source_type):
        report.add(f"{prefix}: event of unknown type, its trigger masked")
        masked.append(trigger)
        return False
    if mapping.map_type(source_type) is None:
        report.add(f"{prefix}: unmapped event type skipped")  # its trigger stays a "no trigger" word
        return False
    return True


def map_event(mapping: EventMapping, source_type: str, trigger: Span, arguments: list[tuple[str, Span]],
              report: ImportReport, prefix: str) -> Event | None:
    """An event of the schema from a source event, or ``None``; unmapped types and roles are counted in ``report``.

    ACE calls whoever moves themselves the Artifact of a Transport ("McVeigh arrived"), while KAIROS and RAMS call
    them the Transporter, which maps to Agent: an Agent in a Transport without an Artifact becomes the Artifact.

    Example:
        >>> roles = {"Movement:Transport": {"Transporter": "Agent", "Passenger": "Artifact"}}
        >>> mapping = EventMapping({"Move": "Movement:Transport"}, roles)
        >>> report = ImportReport()
        >>> map_event(mapping, "Move.Walk", Span(3, 9), [("Transporter", Span(0, 2)), ("Topic", Span(10, 12))],
        ...           report, "demo").arguments
        [Argument(role='Artifact', span=Span(start=0, end=2), score=None)]
        >>> report.counts["demo: unmapped argument role dropped"], report.total  # Topic; and the mover counted
        (1, 2)
    """
    event_type = mapping.map_type(source_type)
    if event_type is None:
        report.add(f"{prefix}: unmapped event type skipped")
        return None
    kept = []
    for source_role, span in arguments:
        role = mapping.map_role(event_type, source_role)
        if role is None:
            report.add(f"{prefix}: unmapped argument role dropped")
        else:
            kept.append(Argument(role, span))
    movers = event_type == "Movement:Transport" and "Artifact" in mapping.roles.get(event_type, {}).values()
    if movers and not any(a.role == "Artifact" for a in kept):
        for argument in kept:
            if argument.role == "Agent":
                argument.role = "Artifact"
                report.add(f"{prefix}: Transport mover without an Artifact taken as the Artifact")
    return Event(event_type, trigger, kept)
