"""Upstream sources, one package each (a planner and a fetcher), found by name in ``registry``."""
