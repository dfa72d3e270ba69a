"""Which address a request comes from, for per-client limits.

The peer's address is the client unless the peer is a proxy listed in
``API_TRUSTED_PROXIES``. Then ``X-Forwarded-For`` is read from the right: each
trusted proxy appended the address it saw, so the first address from the right
that is not a trusted proxy is the client. Entries left of it were written by
the client and prove nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web

from shared.config import IpNetwork, parse_networks

__all__ = ["client_address", "parse_networks"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: web.Request, trusted: Sequence[IpNetwork]) -> str:
    """The client's address: the peer, or what trusted proxies say they saw."""
    peer = request.remote or "unknown"
    hop = _address(peer)
    if hop is None or not _is_trusted(hop, trusted):
        return peer
    forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
    for entry in reversed(forwarded.split(",")):
        address = _address(entry.strip())
        if address is None:
            break  # garbage: the last proxy we trust is all we know
        hop = address
        if not _is_trusted(hop, trusted):
            break
    return str(hop)


def _address(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: IpAddress, trusted: Sequence[IpNetwork]) -> bool:
    return any(address in network for network in trusted)
