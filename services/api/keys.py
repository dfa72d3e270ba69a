"""Typed application keys: what the API's handlers can reach."""

from __future__ import annotations

from typing import Any

import aiomysql
from aiohttp import web
from redis.asyncio import Redis

from services.api.cache import CacheFiller
from services.api.coalesce import Coalescer
from services.api.item_ids import ItemIdDirectory
from services.api.local_cache import LocalItemCache
from shared.config import Settings
from shared.models.http import HttpModels
from shared.sources.base import SourcePlanner

SETTINGS = web.AppKey("settings", Settings)
REDIS = web.AppKey("redis", Redis)
DB = web.AppKey("db", aiomysql.Pool)
READ_DB = web.AppKey("read_db", aiomysql.Pool)  # autocommit: one-statement item lookups
PLANNERS = web.AppKey("planners", dict[str, SourcePlanner])  # the enabled sources, in order
OPENAPI = web.AppKey("openapi", bytes)  # the rendered /openapi.json
LOCAL_CACHE = web.AppKey("local_cache", LocalItemCache)
HTTP_MODELS = web.AppKey("http_models", HttpModels)  # request models for the enabled sources
ITEM_IDS = web.AppKey("item_ids", ItemIdDirectory)  # (source, external id) -> item id
CACHE_FILLER = web.AppKey("cache_filler", CacheFiller)  # fills Redis after a miss, off the request
# Item reads that wait together, batched: the Redis slots (one MGET), the rows (one SELECT).
CACHED_ITEMS = web.AppKey("cached_items", Coalescer[int, bytes])
ITEM_ROWS = web.AppKey("item_rows", Coalescer[int, tuple[Any, ...]])
