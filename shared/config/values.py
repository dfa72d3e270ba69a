"""What several settings sections check their values with: URLs, secrets, networks, choices."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, SecretStr

from shared.observability.redaction import MIN_SECRET_CHARS


def _http_base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")


# An upstream's base URL: http(s) only, without the trailing slash paths are joined on.
HttpBaseUrl = Annotated[str, AfterValidator(_http_base_url)]

TOO_SHORT = f"too short to mask in logs: use at least {MIN_SECRET_CHARS} characters"


def _maskable(value: SecretStr) -> SecretStr:
    # Blank is no secret at all (an unset API_TOKEN is reported as such, not as too short).
    if 0 < len(value.get_secret_value().strip()) < MIN_SECRET_CHARS:
        raise ValueError(TOO_SHORT)
    return value


# A secret the log redaction can mask: empty (none) or long enough not to mask ordinary words.
MaskableSecret = Annotated[SecretStr, AfterValidator(_maskable)]


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[IpNetwork, ...]:
    """A comma list of addresses and CIDR networks; ``ValueError`` names a bad entry."""
    networks: list[IpNetwork] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def one_of(choices: tuple[str, ...]) -> AfterValidator:
    """A check that the value is one of ``choices``, case-insensitive, lower-cased."""

    # A pattern would put a regular expression in the error; name the allowed values instead.
    def check(value: str) -> str:
        if value.lower() not in choices:
            raise ValueError(f"choose one of {', '.join(choices)}")
        return value.lower()

    return AfterValidator(check)
