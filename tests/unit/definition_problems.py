"""Definition checks' shared pieces: a valid definition and the problems a text has."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.sources.declared.loader import parse_definition
from shared.sources.declared.models import SourceDefinition
from shared.sources.declared.problems import DefinitionError

FILE = Path("sources/shop.yaml")
ENV = {"SHOP_TOKEN": "tok-0123456789"}
VALID = """\
name: shop
base_url: https://shop.example/api/
auth: {type: bearer, token: ${SHOP_TOKEN}}
list:
  path: /products
  paginator: {type: offset, limit: 50, total: meta.total}
  records: data
  id: id
"""
OFFSET_KEYS = "type, max_pages, limit, limit_param, offset_param, total, max_items"


def definition_problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text, file=FILE, env=ENV if env is None else env)
    return [str(problem) for problem in caught.value.problems]


def load_definition(text: str) -> SourceDefinition:
    return parse_definition(text, file=FILE, env=ENV)
