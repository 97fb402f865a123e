"""Curated records: safe YAML with line marks (yamlsafe), the record types and value rules (model),
the table of kinds (kinds), EDTF dates (dates), reading (reader), entity and meeting schemas (entities, meetings),
files and folders (folder), cross-file rules (rules), near matches of a slug (match). Its public
names are importable from here.

Imports only csto_kg.problems and csto_kg.settings.
"""

from .kinds import ENTITY_SECTIONS
from .model import (
    AgendaItem, AnnouncedMeeting, DATE, DECISION_TYPES, Decision, Delegation, Entity, LANG,
    LINE_BREAKS, Labels, MEETING_FILE, MEETING_FORMATS, Meeting, NOT_IN_A_LABEL, NOT_STATED, ONE_LINE,
    ORGANIZATION_TYPES, PartialDate, Participation, QID, ROLES, RecordFile, Records, Ref, SLUG, URL,
    iri_problem, is_language_tag,
    Absence, BASE_ROLES, DOCUMENT_KINDS,
)
from .entities import (
    HOLDING_ROLES, read_entity_file,
)
from .meetings import (
    read_meeting_file,
)
from .folder import (
    read_file, read_records, record_files,
)
from .rules import (
    EntityIndex, check_references, duplicate_slugs, former_id_clashes, reference_problem, references,
    unknown_references, role_cycles,
)

__all__ = [
    "AgendaItem", "AnnouncedMeeting", "DATE", "DECISION_TYPES", "Decision", "Delegation", "Entity",
    "ENTITY_SECTIONS", "EntityIndex", "HOLDING_ROLES", "LANG", "LINE_BREAKS", "Labels", "MEETING_FILE",
    "MEETING_FORMATS", "Meeting", "NOT_IN_A_LABEL", "NOT_STATED", "ONE_LINE", "ORGANIZATION_TYPES", "PartialDate",
    "Participation", "QID", "ROLES", "RecordFile", "Records", "Ref", "SLUG", "URL",
    "check_references", "duplicate_slugs", "former_id_clashes", "iri_problem", "is_language_tag", "read_entity_file",
    "read_file", "read_meeting_file", "read_records", "record_files", "reference_problem", "references",
    "unknown_references", "role_cycles",
    "Absence", "BASE_ROLES", "DOCUMENT_KINDS",
]
