"""Numbered SQL files, applied in order by ``item-sync migrate``."""
