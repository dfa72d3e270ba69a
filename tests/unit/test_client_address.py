"""Who a request comes from: the peer, or X-Forwarded-For only when the peer is a trusted proxy."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from services.api.client_address import client_address, parse_networks


def _request(peer: str, *forwarded: str) -> web.Request:
    headers = CIMultiDict(("X-Forwarded-For", value) for value in forwarded)
    return make_mocked_request("POST", "/sync", headers=headers).clone(remote=peer)


TRUSTED = parse_networks("10.0.0.0/8, 192.0.2.7, ::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", (), "203.0.113.5"),
        ("203.0.113.5", ("198.51.100.1",), "203.0.113.5"),  # untrusted peer: header ignored
        ("10.1.2.3", ("198.51.100.1",), "198.51.100.1"),
        ("10.1.2.3", ("6.6.6.6, 198.51.100.1",), "198.51.100.1"),  # the client's own entry is 1st
        ("10.1.2.3", ("198.51.100.1, 10.9.9.9",), "198.51.100.1"),  # proxies chained
        ("10.1.2.3", ("6.6.6.6", "198.51.100.1"), "198.51.100.1"),  # repeated header
        ("10.1.2.3", ("not-an-address",), "10.1.2.3"),  # garbage: the proxy is the client
        ("10.1.2.3", ("",), "10.1.2.3"),
        ("10.1.2.3", ("10.4.4.4, 192.0.2.7",), "10.4.4.4"),  # all trusted: the farthest
        ("::1", ("2001:db8::1",), "2001:db8::1"),
        ("192.0.2.8", ("198.51.100.1",), "192.0.2.8"),  # one address trusted, not its neighbour
    ],
)
def test_client_address(peer: str, forwarded: tuple[str, ...], expected: str) -> None:
    """The rightmost address not of a trusted proxy is the client."""
    assert client_address(_request(peer, *forwarded), TRUSTED) == expected


def test_bad_proxy_list_names_the_entry() -> None:
    """An entry that is neither an address nor a network is refused with its text."""
    with pytest.raises(ValueError, match=re.escape("'10.0.0.0/33'")):
        parse_networks("127.0.0.1, 10.0.0.0/33")
