"""Declarative sources: an API described by one YAML file instead of a Python module.

``loader`` finds and validates definitions (``models``), ``schema`` describes them, and
the pure helpers (``paths``, ``records``, ``pagination``, ``incremental``) read answers
the way a definition says; they do no HTTP.
"""

from shared.sources.declared.errors import PageShapeError, PaginationError
from shared.sources.declared.incremental import later_cursor, latest_cursor
from shared.sources.declared.loader import (
    BUILTIN_DIR,
    LoadedSource,
    check_files,
    check_sources,
    load_sources,
    parse_definition,
    read_definition,
)
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.pagination import (
    NextPages,
    PageAnswer,
    PageRequest,
    first_requests,
    next_pages,
)
from shared.sources.declared.paths import find, select
from shared.sources.declared.problems import DefinitionError, Problem
from shared.sources.declared.records import detail_path, extract_records, record_id, record_name
from shared.sources.declared.schema import json_schema

__all__ = [
    "BUILTIN_DIR",
    "DefinitionError",
    "LoadedSource",
    "NextPages",
    "PageAnswer",
    "PageRequest",
    "PageShapeError",
    "PaginationError",
    "Problem",
    "SourceDefinition",
    "check_files",
    "check_sources",
    "detail_path",
    "extract_records",
    "find",
    "first_requests",
    "json_schema",
    "later_cursor",
    "latest_cursor",
    "load_sources",
    "next_pages",
    "parse_definition",
    "read_definition",
    "record_id",
    "record_name",
    "select",
]
