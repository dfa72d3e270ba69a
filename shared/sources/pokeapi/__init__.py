"""PokeAPI: a paginated list of Pokémon and one detail document per id."""

from shared.sources.pokeapi.fetcher import PokeApiFetcher
from shared.sources.pokeapi.planner import NAME, POKEMON_ID, PokeApiPlanner

__all__ = ["NAME", "POKEMON_ID", "PokeApiFetcher", "PokeApiPlanner"]
