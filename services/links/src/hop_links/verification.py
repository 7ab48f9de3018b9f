"""Proof that an owner controls a branded domain: a DNS TXT record or an HTTP challenge.

Usage::

    checker = ProofChecker(VerificationOptions(nameservers=("127.0.0.1:5353",)))
    result = await checker.check("go.acme.com", token)
    if not result.proved:
        print(result.reason)  # "TXT _hop-challenge.go.acme.com not found; HTTP 404 from ..."

Either proof is enough: the TXT record ``_hop-challenge.<name>`` holding
``hop-challenge=<token>``, or ``GET http://<name>/.well-known/hop-challenge/<token>``
answering that value. Both are asked at once; the answer says why each one failed.

The HTTP check resolves the name itself (with the same resolver as the TXT check) and
connects to an address it has vetted, sending ``Host: <name>``: a name that points at
loopback, a private network or a cloud's metadata service is refused unless
``allow_internal`` is set, and no redirect is followed, so a domain cannot make links
reach inside the cluster. ``connect_to`` (``host:port``, like ``curl --resolve``) sends
the check to one fixed address instead: the local edge in ``make run`` and in tests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver
import httpx

from hop_contracts import CHALLENGE_PREFIX, CHALLENGE_RECORD_PREFIX, CHALLENGE_VALUE_PREFIX
from hop_links.hosts import InvalidHostError, canonical_host

__all__ = ["CheckResult", "ProofChecker", "VerificationOptions", "parse_host_port"]

#: The most of a challenge answer read: the value is about 40 bytes.
BODY_LIMIT: Final = 4096
_ADDRESS_TYPES: Final = ("A", "AAAA")


@dataclass(slots=True, frozen=True)
class CheckResult:
    """A check's outcome: ``proved``, or ``reason`` says why not (short, for people)."""

    proved: bool
    reason: str | None = None


@dataclass(slots=True, frozen=True)
class VerificationOptions:
    """How checks reach the world (links' ``HOP_VERIFICATION_*`` settings)."""

    nameservers: tuple[str, ...] = ()
    timeout: float = 5.0
    connect_to: str | None = None
    allow_internal: bool = False


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    """Split ``host:port`` (``[v6]:port``; the port may be left out), or raise ValueError."""
    host, port = text, str(default_port)
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"{text!r} is not host:port; write [v6 address]:port")
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not host:port with a port from 1 to 65535")
    return host, int(port)


class ProofChecker:
    """Check a domain's TXT record and HTTP challenge with one set of options."""

    def __init__(self, options: VerificationOptions) -> None:
        self._options = options
        self._resolver: dns.asyncresolver.Resolver | None = None

    async def check(self, name: str, token: str) -> CheckResult:
        """Return whether ``name`` proves ``token`` by either record, and why not."""
        expected = f"{CHALLENGE_VALUE_PREFIX}{token}"
        txt, http = await asyncio.gather(
            self._check_txt(name, expected), self._check_http(name, token, expected)
        )
        if txt.proved or http.proved:
            return CheckResult(proved=True)
        return CheckResult(proved=False, reason=f"{txt.reason}; {http.reason}")

    async def _check_txt(self, name: str, expected: str) -> CheckResult:
        record = f"{CHALLENGE_RECORD_PREFIX}{name}"
        try:
            answer = await self._dns().resolve(record, "TXT", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return CheckResult(proved=False, reason=f"TXT {record} not found")
        except dns.exception.Timeout:
            return CheckResult(proved=False, reason=f"TXT {record}: DNS timed out")
        except dns.exception.DNSException as error:
            return CheckResult(proved=False, reason=f"TXT {record}: {_dns_failure(error)}")
        values = [b"".join(rdata.strings).decode(errors="replace") for rdata in answer]
        if expected in values:
            return CheckResult(proved=True)
        shown = ", ".join(repr(value[:60]) for value in values[:3])
        return CheckResult(proved=False, reason=f"TXT {record} holds {shown}, not {expected!r}")

    async def _check_http(self, name: str, token: str, expected: str) -> CheckResult:
        url = f"http://{name}{CHALLENGE_PREFIX}/{token}"
        target = await self._http_target(name)
        if isinstance(target, CheckResult):
            return target
        host, port = target
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            async with (
                asyncio.timeout(self._options.timeout),
                httpx.AsyncClient(timeout=self._options.timeout, trust_env=False) as client,
                client.stream(
                    "GET",
                    f"http://{authority}{CHALLENGE_PREFIX}/{token}",
                    headers={"Host": name, "Accept": "text/plain"},
                ) as response,
            ):
                body = await _read_capped(response)
        except (TimeoutError, httpx.TimeoutException):
            return CheckResult(proved=False, reason=f"HTTP {url} timed out")
        except httpx.HTTPError as error:
            return CheckResult(proved=False, reason=f"HTTP {url}: {type(error).__name__}")
        if response.status_code != 200:
            moved = " (redirects are not followed)" if response.is_redirect else ""
            return CheckResult(
                proved=False, reason=f"HTTP {response.status_code} from {url}{moved}"
            )
        if body is None:
            return CheckResult(
                proved=False, reason=f"HTTP {url} answered more than {BODY_LIMIT} bytes"
            )
        if body.decode(errors="replace").strip() != expected:
            return CheckResult(proved=False, reason=f"HTTP {url} answered another value")
        return CheckResult(proved=True)

    async def _http_target(self, name: str) -> tuple[str, int] | CheckResult:
        if self._options.connect_to:
            host, port = parse_host_port(self._options.connect_to, 80)
            return self._vetted(name, [host], port)
        addresses: list[str] = []
        failures: list[str] = []
        for kind in _ADDRESS_TYPES:
            try:
                answer = await self._dns().resolve(name, kind, search=False)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
            except dns.exception.DNSException as error:
                failures.append(_dns_failure(error))
                continue
            addresses.extend(rdata.to_text() for rdata in answer)
        if not addresses:
            why = failures[0] if failures else "no A or AAAA record"
            return CheckResult(proved=False, reason=f"HTTP http://{name}/: {why}")
        return self._vetted(name, addresses, 80)

    def _vetted(self, name: str, hosts: list[str], port: int) -> tuple[str, int] | CheckResult:
        if self._options.allow_internal:
            return hosts[0], port
        for host in hosts:
            kind = _internal_kind(host)
            if kind is not None:
                return CheckResult(
                    proved=False,
                    reason=f"HTTP check refused: {name} reaches {host}, a {kind} address",
                )
        return hosts[0], port

    def _dns(self) -> dns.asyncresolver.Resolver:
        if self._resolver is None:
            self._resolver = _resolver(self._options)
        return self._resolver


def _resolver(options: VerificationOptions) -> dns.asyncresolver.Resolver:
    if options.nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(*parse_host_port(text, 53))
            for text in options.nameservers
        ]
    else:
        resolver = dns.asyncresolver.Resolver()
    resolver.lifetime = options.timeout
    resolver.timeout = options.timeout
    return resolver


async def _read_capped(response: httpx.Response) -> bytes | None:
    body = bytearray()
    async for chunk in response.aiter_raw():
        body.extend(chunk)
        if len(body) > BODY_LIMIT:
            return None
    return bytes(body)


def _internal_kind(host: str) -> str | None:
    """Return why ``host`` (an address a name resolved to, or ``connect_to``'s) is refused.

    Read as the links' target guard reads hosts (`hop_links.hosts.canonical_host`), so an
    IPv6 address that embeds an internal IPv4 one (``::ffff:``, NAT64 ``64:ff9b::``, 6to4
    ``2002::``, IPv4-compatible ``::a.b.c.d``) is refused as that IPv4 address is.
    """
    try:
        return canonical_host(host).internal_kind
    except InvalidHostError:
        return "malformed"


def _dns_failure(error: dns.exception.DNSException) -> str:
    if isinstance(error, dns.exception.Timeout):
        return "DNS timed out"
    if isinstance(error, dns.resolver.NoNameservers):
        return "no nameserver answered"
    return f"DNS failed ({type(error).__name__})"
