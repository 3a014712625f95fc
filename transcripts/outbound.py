"""The SSRF guard: every outbound request Parley makes on a user's behalf goes through here.

A URL a user gives (an audio file to import, a webhook endpoint) must never reach the
server's own network. The rules, each refusal said in words (`OutboundRefused`):
- only `http` and `https`, no credentials in the URL, a host name or address;
- the host is resolved once, here; every address it resolves to must be public (loopback,
  private, shared, link-local, multicast, reserved, unspecified and cloud-metadata
  addresses are refused, for IPv4 and IPv6, IPv4-mapped and 6to4/Teredo-embedded ones
  included) unless a network in the `OUTBOUND_ALLOWED_NETWORKS` setting holds it;
- the request goes to that resolved address (the Host header and TLS name stay the host's),
  so a DNS answer that changes between the check and the connection changes nothing;
- redirects are followed here, each one checked like the first, at most
  `OUTBOUND_MAX_REDIRECTS` of them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Not covered by ipaddress's own flags, or worth naming: shared address space (carrier NAT),
# and the metadata services of cloud providers.
ALWAYS_REFUSED = [
    ipaddress.ip_network(network)
    for network in ("100.64.0.0/10", "0.0.0.0/8", "169.254.169.254/32", "fd00:ec2::254/128")
]
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "Parley (+https://github.com/parley)"


class OutboundRefused(Exception):
    """The request would reach where Parley must not go; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect, and what to call the host."""

    url: str
    host: str
    address: IPAddress
    port: int
    scheme: str

    @property
    def pinned_url(self) -> str:
        """The URL with the host replaced by the checked address."""
        parts = urlsplit(self.url)
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return parts._replace(netloc=f"{host}:{self.port}").geturl()


def _embedded(address: IPAddress) -> list[IPAddress]:
    """Any IPv4 address an IPv6 one carries (mapped, 6to4, Teredo), then the address."""
    found: list[IPAddress] = []
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None:
                found.append(inner)
        if address.teredo is not None:
            found.extend(address.teredo)
    return [*found, address]


def _allowed_by_setting(address: IPAddress) -> bool:
    networks = [ipaddress.ip_network(n, strict=False) for n in settings.OUTBOUND_ALLOWED_NETWORKS]
    return any(address in network for network in networks if network.version == address.version)


def address_refusal(address: IPAddress) -> str:
    """Why Parley will not connect to `address`; empty if it may."""
    if _allowed_by_setting(address):
        return ""
    for candidate in _embedded(address):
        if any(
            candidate in network
            for network in ALWAYS_REFUSED
            if network.version == candidate.version
        ):
            return f"{address} is a cloud metadata or shared address, which Parley never contacts."
        flags = ("loopback", "link_local", "multicast", "unspecified", "reserved", "private")
        for flag in flags:
            if getattr(candidate, f"is_{flag}"):
                kind = flag.replace("_", "-")
                return f"{address} is a {kind} address, which Parley never contacts for a URL."
    return ""


def check_url(url: str) -> Target:
    """The URL's target if Parley may fetch it; OutboundRefused with the reason otherwise."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        raise OutboundRefused("The address is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused("Only http:// and https:// addresses can be used.")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused("Addresses with a user name or password in them are refused.")
    host = parts.hostname
    if not host:
        raise OutboundRefused("The address has no host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused("The address has an invalid port.") from None
    return Target(url.strip(), host, _resolve(host, port), port, parts.scheme)


def _resolve(host: str, port: int) -> IPAddress:
    """The one address to connect to: every address the host has must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundRefused(f"The host name {host!r} could not be found.") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise OutboundRefused(f"The host name {host!r} has no address.")
    for address in addresses:
        if refusal := address_refusal(address):
            raise OutboundRefused(refusal)
    return addresses[0]


def _request(client: httpx.Client, method: str, target: Target, **kwargs: object) -> httpx.Request:
    headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
    headers.setdefault("User-Agent", USER_AGENT)
    headers["Host"] = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return client.build_request(
        method,
        target.pinned_url,
        headers=headers,
        extensions=extensions,
        **kwargs,  # type: ignore[arg-type]
    )


@contextmanager
def open_response(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    timeout: float = 10.0,
) -> Iterator[httpx.Response]:
    """A streaming response from `url`, every hop checked; the caller reads and limits the body.

    Redirects (at most OUTBOUND_MAX_REDIRECTS) become GETs without a body, as browsers do,
    except 307 and 308. Raises OutboundRefused, or httpx's errors for network failures.
    """
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(settings.OUTBOUND_MAX_REDIRECTS + 1):
            target = check_url(url)
            request = _request(client, method, target, headers=headers, content=content)
            response = client.send(request, stream=True)
            if response.status_code not in REDIRECTS or "location" not in response.headers:
                try:
                    yield response
                finally:
                    response.close()
                return
            response.close()
            url = urljoin(url, response.headers["location"])
            if response.status_code not in (307, 308):
                method, content = "GET", None
        raise OutboundRefused(f"Too many redirects (more than {settings.OUTBOUND_MAX_REDIRECTS}).")
