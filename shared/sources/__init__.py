"""Upstream sources, one module each, found by name in ``registry``."""
