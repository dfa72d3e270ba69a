"""PokeAPI's planning: a list job starts at one fan-out page; a detail job is one id."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Discriminator, StringConstraints, Tag

from shared.config import PokeapiSettings
from shared.models.commands import Command, DetailCommand, ListCommand
from shared.models.http import TAG_MARK
from shared.models.spec import MAX_ID, DetailParams, SyncSpec, json_int

NAME = "pokemon"

# ``params.id`` of a detail sync: a JSON integer, or its ASCII digits, within a BIGINT.
# Tagged by JSON type, so an error names ``params.id`` and not a union member.
POKEMON_ID: Any = Annotated[
    Annotated[json_int(ge=1, le=MAX_ID), Tag(f"{TAG_MARK}number")]
    | Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$"), Tag(f"{TAG_MARK}digits")],
    Discriminator(
        lambda value: f"{TAG_MARK}digits" if isinstance(value, str) else f"{TAG_MARK}number"
    ),
]


class PokeApiPlanner:
    """``list`` fans out from ``offset`` in pages of ``limit``; ``detail`` fetches ``id``."""

    name: ClassVar[str] = NAME
    detail_id: ClassVar[Any] = POKEMON_ID

    def __init__(self, settings: PokeapiSettings) -> None:
        self._settings = settings

    incremental: ClassVar[bool] = False

    def plan(self, spec: SyncSpec, *, since: str | None = None) -> list[Command]:
        """One fan-out list page (``POKEAPI_PAGE_SIZE`` unless given), or one detail."""
        if isinstance(spec.params, DetailParams):
            # Digits or a number: "025" and 25 are the same Pokémon.
            return [DetailCommand(external_id=str(int(spec.params.id)))]
        limit = spec.params.limit or self._settings.page_size
        return [ListCommand(offset=spec.params.offset or 0, limit=limit, fan_out=True)]
