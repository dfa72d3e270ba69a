"""Keeping readers' caches honest: markers and pub/sub that say which items changed."""
