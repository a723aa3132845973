"""The client's IP address: the one answer for the sign-in lockout (django-axes) and the event log.

``X-Forwarded-For`` is believed only when the request comes from a configured proxy
(``TRUSTED_PROXIES``: addresses or networks). The header is then read from the right, skipping
trusted proxies; the first address that is not one is the client's. Anything a client wrote to
the left of that is ignored, so a forged header changes nothing. (django-ipware's trusted-proxy
option checks the header's content, not the peer that sent it, so it is not used.)
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())


def _address(value):
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def client_ip(request) -> str | None:
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))

    def trusted(address) -> bool:
        return any(address in network for network in networks)

    client = peer
    if trusted(peer):
        for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = _address(hop)
            if address is None:
                break  # garbage in the header: keep the last address a trusted proxy vouched for
            client = address
            if not trusted(address):
                break
    return str(client)


def axes_client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: axes may hand over a request without META (credentials only)."""
    return client_ip(request) if hasattr(request, "META") else None
