"""Deterministic PokeAPI-shaped items for load tests that need more than the 75 fixtures."""

from __future__ import annotations

import random

# Small vocabularies keep generation cheap; the values only need to look like PokeAPI data.
TYPE_NAMES = (
    "normal", "fire", "water", "grass", "electric", "ice", "fighting", "poison", "ground",
    "flying", "psychic", "bug", "rock", "ghost", "dragon", "dark", "steel", "fairy",
)  # fmt: skip
STAT_NAMES = ("hp", "attack", "defense", "special-attack", "special-defense", "speed")
ABILITY_NAMES = (
    "overgrow", "blaze", "torrent", "shield-dust", "run-away", "keen-eye", "static",
    "sand-veil", "poison-point", "cute-charm", "levitate", "intimidate", "swift-swim",
)  # fmt: skip
MOVE_NAMES = (
    "pound", "karate-chop", "double-slap", "mega-punch", "fire-punch", "ice-punch",
    "thunder-punch", "scratch", "cut", "gust", "wing-attack", "fly", "bind", "slam",
    "vine-whip", "stomp", "double-kick", "mega-kick", "jump-kick", "headbutt", "tackle",
)  # fmt: skip
MOVES_PER_ITEM = 2


def synthetic_name(item_id: int) -> str:
    """Return the list name of synthetic item ``item_id``."""
    return f"synth-{item_id}"


def _ref(kind: str, index: int, name: str) -> dict[str, object]:
    return {"name": name, "url": f"/api/v2/{kind}/{index}/"}


def synthetic_detail(item_id: int, version: int) -> dict[str, object]:
    """Return the detail of synthetic item ``item_id`` at ``version`` (about 2 KB as JSON).

    The result depends only on ``(item_id, version)``: identity-like fields (types, abilities,
    moves) come from the id alone, measurements and stats also change with the version.
    """
    # String seeds hash with SHA-512, so the output is stable across runs and PYTHONHASHSEED.
    fixed = random.Random(f"synth:{item_id}")
    varying = random.Random(f"synth:{item_id}:{version}")
    type_ids = fixed.sample(range(len(TYPE_NAMES)), fixed.choice((1, 2)))
    ability_ids = fixed.sample(range(len(ABILITY_NAMES)), 2)
    move_ids = sorted(fixed.sample(range(len(MOVE_NAMES)), MOVES_PER_ITEM))
    name = synthetic_name(item_id)
    return {
        "abilities": [
            {
                "ability": _ref("ability", index + 1, ABILITY_NAMES[index]),
                "is_hidden": slot == 2,
                "slot": slot,
            }
            for slot, index in enumerate(ability_ids, start=1)
        ],
        "base_experience": varying.randint(36, 340),
        "forms": [_ref("pokemon-form", item_id, name)],
        "height": varying.randint(1, 200),
        "id": item_id,
        "is_default": True,
        "location_area_encounters": f"/api/v2/pokemon/{item_id}/encounters",
        "moves": [
            {
                "move": _ref("move", index + 1, MOVE_NAMES[index]),
                "version_group_details": [
                    {
                        "level_learned_at": varying.randint(1, 60),
                        "move_learn_method": _ref("move-learn-method", 1, "level-up"),
                        "order": None,
                        "version_group": _ref("version-group", 1, "red-blue"),
                    }
                ],
            }
            for index in move_ids
        ],
        "name": name,
        "order": item_id,
        "species": _ref("pokemon-species", item_id, name),
        "stats": [
            {
                "base_stat": varying.randint(5, 255),
                "effort": varying.randint(0, 3),
                "stat": _ref("stat", index, stat),
            }
            for index, stat in enumerate(STAT_NAMES, start=1)
        ],
        "types": [
            {"slot": slot, "type": _ref("type", index + 1, TYPE_NAMES[index])}
            for slot, index in enumerate(type_ids, start=1)
        ],
        "version": version,
        "weight": varying.randint(1, 9999),
    }
