"""Where a webhook may point: no server-side request forgery. An https:// address whose host
resolves only to public addresses; a private or reserved address only inside the networks the
WEBHOOK_ALLOWED_NETWORKS setting names (then http:// too); loopback under DEBUG. Every address
the name resolves to is checked, IPv4 carried inside IPv6 (mapped, NAT64, 6to4, Teredo) as the
IPv4 it reaches, and multicast is never a receiver. Checked when a partner subscribes and again
before each delivery (a name may resolve elsewhere later)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from portal.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix: the last 32 bits
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: a network's own translation


def reaches(address: IPAddress) -> list[IPAddress]:
    """The address and the IPv4 address it carries, if any: what a connection to it may reach."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    carried = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in NAT64:
        carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [address, *(inner for inner in carried if inner is not None)]


def public(address: IPAddress) -> bool:
    """Whether a connection to `address` can only reach the public Internet."""
    return address not in NAT64_LOCAL and all(one.is_global and not one.is_multicast for one in reaches(address))


def webhook_address_check(url: str) -> bool:
    """Refuses (Invalid under `url`) an address webhooks may not reach; returns whether it lies
    inside the internal networks WEBHOOK_ALLOWED_NETWORKS names (or is loopback under DEBUG)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise Invalid({"url": [_("Give the receiver's full address, starting with https://, without a user name.")]})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise Invalid({"url": [_("The receiver's host name cannot be found.")]}) from None
    allowed = [ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOK_ALLOWED_NETWORKS]
    inside = True  # every address is in an allowed network (or loopback under DEBUG)
    for info in found:
        address = ipaddress.ip_address(info[4][0])
        if any(address in network for network in allowed) or (settings.DEBUG and address.is_loopback):
            continue
        inside = False
        if not public(address):
            raise Invalid(
                {
                    "url": [
                        _("%(address)s is a private or reserved address, which webhooks may not reach.")
                        % {"address": address}
                    ]
                }
            )
    if parts.scheme != "https" and not inside:
        raise Invalid({"url": [_("Webhooks go to https:// addresses only.")]})
    return inside
