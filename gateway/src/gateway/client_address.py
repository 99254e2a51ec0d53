"""The client's address as the gateway forwards it to the subgraphs (their per-address caps use it).

The socket's peer is the client, unless the peer is a configured trusted proxy (a load balancer, an ingress):
then ``X-Forwarded-For`` is read from the right, skipping trusted proxies, and the first address that is not
one is the client. Anything a client writes to the left of that is ignored, so nobody chooses their own.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> list[Network]:
    """``10.0.0.0/8, 192.168.1.7`` -> networks (a bare address is a /32 or /128)."""
    return [ipaddress.ip_network(item.strip(), strict=False) for item in raw.split(",") if item.strip()]


def _ip(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[Network]) -> str | None:
    address = _ip(peer) if peer else None
    if address is None or not forwarded_for or not _trusted(address, trusted_proxies):
        return str(address) if address is not None else None
    for hop in reversed(forwarded_for.split(",")):
        hop_address = _ip(hop)
        if hop_address is None:
            return str(address)  # garbage in the chain: trust no further than the last good hop
        address = hop_address
        if not _trusted(address, trusted_proxies):
            return str(address)
    return str(address)
