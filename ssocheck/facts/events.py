"""Enterprise SSO events from the Application log, and the ENTSSO HRESULT helpers.

The SSO service writes the story of the master secret into the Application log (source ENTSSO):
who is the master secret server (10534), when a BizTalk node got the secret and from where
(10529/10533), when it could not (10532), restores (10523/10524), missing or unreadable secrets
(10520/10521/10565), service starts (10501/10611). Several checks read the same events, so they
are collected once, here, and parsed into :class:`SsoEvent` with named fields taken from the
message templates of the event catalogue (:mod:`ssocheck.sso_events`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ssocheck import sso_events
from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str
from ssocheck.sso_event_query import PER_ID_CAP, SYSTEM_QUERIES, WATCHED_IDS, WINDOW_DAYS

# Events by meaning, for the checks.
SERVICE_STARTING = (10501, 10611)
GOT_SECRET = (10529, 10533)
LOST_SECRET_SERVER = 10532
RESTORE_OK = 10523
RESTORE_FAILED = 10524
SECRET_MISSING = (10520, 10521, 10565)
IS_SECRET_SERVER = 10534
API_AUDIT = 10536

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_HRESULT = re.compile(r"0x[0-9A-Fa-f]{8}")

# HRESULTs that matter for the master secret, with what they mean (domain.md §0, §9).
HRESULT_MEANINGS: dict[int, str] = {
    0xC0002A0F: "ENTSSO_E_NO_SSO_SERVER: could not contact the SSO server (master secret server unreachable)",
    0xC0002A13: "ENTSSO_E_NOT_ADMIN: this function can only be performed by a local administrator",
    0xC0002A1F: "ENTSSO_E_NO_SECRET: the secret is not available from the master secret server",
    0xC0002A24: "ENTSSO_E_DTC_IMPORT_FAILED1: could not import a DTC transaction",
    0xC0002A5B: "ENTSSO_E_NO_SECRET2: the secret is not available from the master secret server",
    0x80002918: "SSO_WARN_NO_SECRETS: no secrets in the registry of the master secret server",
    0x800706D9: "RPC_S_NO_ENDPOINTS: no more endpoints available from the endpoint mapper "
    "(SSOSecretServer not registered: UseNetworkName off or a local ENTSSO started outside the cluster)",
    0x800706BA: "RPC_S_SERVER_UNAVAILABLE: the RPC server is unavailable",
}
# Codes that mean a BizTalk node cannot get the master secret from the master secret server.
SECRET_FAILURE_HRESULTS = frozenset({0xC0002A0F, 0xC0002A1F, 0xC0002A5B, 0x80002918, 0x800706D9, 0x800706BA})


def to_hresult(value: str | int) -> int:
    """An HRESULT as an unsigned 32-bit int from ``0xC0002A0F``, ``C0002A0F`` or a (signed) int."""
    if isinstance(value, int):
        return value & 0xFFFFFFFF
    text = value.strip()
    try:
        # Signed decimal is how .NET prints an HRESULT (-1073730033); anything else is hex.
        return int(text, 10) & 0xFFFFFFFF if text.startswith("-") else int(text, 16) & 0xFFFFFFFF
    except ValueError as exc:
        raise ValueError(f"not an HRESULT: {value!r}") from exc


def event_id_of(hresult: str | int) -> int:
    """The SSO event/message ID an ENTSSO HRESULT stands for: its low 16 bits (0xC0002A0F -> 10767)."""
    return to_hresult(hresult) & 0xFFFF


def hresult_meaning(hresult: str | int) -> str:
    """A one-line meaning of an HRESULT: known codes by name, ENTSSO codes from the catalogue."""
    code = to_hresult(hresult)
    if code in HRESULT_MEANINGS:
        return HRESULT_MEANINGS[code]
    facility = (code >> 16) & 0x1FFF
    if facility == 0:
        entry = sso_events.get(code & 0xFFFF)
        if entry is not None:
            return f"{entry.symbol}: {entry.template.split('%r')[0].strip()}"
    if facility == 7:
        return f"Win32 error {code & 0xFFFF}"
    return f"HRESULT 0x{code:08X}"


def find_hresult(text: str) -> int | None:
    """The first ``0x........`` code in ``text`` ("0x80002918, No secrets were found ..."), if any."""
    match = _HRESULT.search(text or "")
    return int(match.group(0), 16) if match else None


def parse_time(text: str) -> datetime:
    """A UTC ``yyyy-MM-ddTHH:mm:ssZ`` time as an aware datetime."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class SsoEvent:
    """One ENTSSO event: ID, UTC time, insertion strings, and the strings keyed by template label."""

    id: int
    time: str
    strings: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict, hash=False)
    # The rendered text when the event came without insertion strings; checks quote it when they cannot
    # read a field from it (another language, another layout) instead of guessing a value.
    message: str = field(default="", compare=False)

    @classmethod
    def from_strings(cls, event_id: int, time: str, strings: Sequence[str]) -> SsoEvent:
        """Build an event from its insertion strings (what Get-EventLog's ReplacementStrings gives)."""
        strs = tuple(strings)
        return cls(event_id, time, strs, sso_events.fields_from_strings(event_id, strs))

    @classmethod
    def from_message(cls, event_id: int, time: str, message: str) -> SsoEvent:
        """Build an event from rendered message text (no insertion strings), e.g. an Event Viewer copy."""
        return cls(event_id, time, (), sso_events.fields_from_message(event_id, message), message)

    @property
    def symbol(self) -> str:
        """The catalogue's symbolic name of the event."""
        return sso_events.symbol(self.id)

    @property
    def when(self) -> datetime:
        """The event time as an aware UTC datetime."""
        return parse_time(self.time)

    def field(self, label: str) -> str | None:
        """A field by template label, case-insensitive (the catalogue spells "Error code" both ways)."""
        for key, value in self.fields.items():
            if key.lower() == label.lower():
                return value
        return None

    @property
    def hresult(self) -> int | None:
        """The HRESULT in the event's "Error Code" field, if any; for an event that came as rendered text whose
        labels could not be read (another language), the first HRESULT in the text: hex codes are not
        translated, so a localised failure is not silently ignored."""
        return find_hresult(self.field("Error Code") or self.message)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description for evidence (ID, symbol, time, fields)."""
        return {"id": self.id, "symbol": self.symbol, "time": self.time, "fields": dict(self.fields)}

    def raw(self) -> str:
        """What the event said, as collected: the rendered message, else the insertion strings."""
        return self.message or " | ".join(self.strings) or "(no text)"


def of_ids(events: Iterable[SsoEvent], ids: int | Iterable[int]) -> list[SsoEvent]:
    """The events with one of ``ids``, newest first (input order kept among equal times)."""
    wanted = {ids} if isinstance(ids, int) else set(ids)
    return [e for e in events if e.id in wanted]


def latest(events: Iterable[SsoEvent], ids: int | Iterable[int]) -> SsoEvent | None:
    """The newest event with one of ``ids`` (``events`` is newest first, as the fact parses it)."""
    found = of_ids(events, ids)
    return found[0] if found else None


def newer_than(events: Iterable[SsoEvent], ids: int | Iterable[int], than: SsoEvent | None) -> list[SsoEvent]:
    """Events with one of ``ids`` strictly newer than ``than`` (all of them when ``than`` is None).

    Within the same second the log order decides: an event listed before ``than`` in the
    newest-first list is newer.
    """
    found = of_ids(events, ids)
    if than is None:
        return found
    out = []
    for event in events:
        if event is than:
            break
        if event in found and event.time >= than.time:
            out.append(event)
    return out


def parse_event(item: Any, where: str) -> SsoEvent:
    """One raw event ``{"id", "time", "strings" | "message"}`` as an SsoEvent (FactParseError naming ``where``).

    Shared by every fact that carries ENTSSO events (the event log fact, the port create test).
    """
    item = expect_type(item, dict, where)
    ident = item.get("id")
    if not isinstance(ident, int) or isinstance(ident, bool):
        raise FactParseError(f"{where}.id: expected an integer event ID, got {ident!r}")
    time = opt_str(item.get("time"), f"{where}.time") or ""
    if not _TIME.match(time):
        raise FactParseError(f"{where}.time: expected yyyy-MM-ddTHH:mm:ssZ, got {time!r}")
    strings = tuple(opt_str(s, f"{where}.strings[]") or "" for s in as_list(item.get("strings"), where))
    message = opt_str(item.get("message"), f"{where}.message")
    if not strings and message:
        return SsoEvent.from_message(ident, time, message)
    return SsoEvent.from_strings(ident, time, strings)


class SsoEvents(Fact[list[SsoEvent]]):
    """ENTSSO events of the Application log that tell the master secret story, newest first.

    Read with ``Get-WinEvent -FilterHashtable`` (PowerShell 2.0 on Windows Server 2008 R2 and later), one
    query per event ID with ``-MaxEvents PER_ID_CAP``: the event log service filters on the server side
    (provider, ID, start time) and stops after the cap, so memory and time stay bounded whatever the
    log's size, and a log that wraps meanwhile cannot stop a full scan (review probe.md D3: Get-EventLog
    walks the whole log client-side and stops with LogReadError). "No matches" (error
    ``NoMatchingEventsFound``, or no ENTSSO provider at all: ``NoMatchingProvidersFound``) is an empty
    list, not an error; any other failure throws. At most ``PER_ID_CAP`` events per ID from the last
    ``WINDOW_DAYS`` days.

    Raw value: a list of ``{"id": int, "time": "yyyy-MM-ddTHH:mm:ssZ" (UTC), "strings": [..]}``;
    ``strings`` are the event's insertion strings (``EventRecord.Properties``, the same values as
    Get-EventLog's ReplacementStrings, never localised). An optional ``"message"`` (rendered text) is
    accepted for events exported without strings.
    """

    name = "sso_events"
    description = "ENTSSO Application-log events (secret server, restores, secret retrieval)"
    script = r"""
$ids = @(<WATCHED_IDS>)
$cap = <PER_ID_CAP>
$since = [DateTime]::Now.AddDays(-<WINDOW_DAYS>)
$list = New-Object System.Collections.ArrayList
foreach ($id in $ids) {
    $found = @()
    try {
        $found = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'ENTSSO'; Id = $id; StartTime = $since } -MaxEvents $cap -ErrorAction Stop)
    } catch {
        # "No events were found" / "no such provider" are empty answers; anything else (access, a broken log) is real.
        # The id is on the record, or (PowerShell 2.0 and -ErrorAction Stop, unconfirmed) on the record the
        # ActionPreferenceStopException carries: accept either, never the localised message.
        $noMatch = [string]$_.FullyQualifiedErrorId
        if ($null -ne $_.Exception.ErrorRecord) { $noMatch = $noMatch + ' ' + [string]$_.Exception.ErrorRecord.FullyQualifiedErrorId }
        if ($noMatch -notlike '*NoMatching*') { throw }
    }
    foreach ($e in $found) {
        $strings = New-Object System.Collections.ArrayList
        foreach ($p in @($e.Properties)) { [void]$strings.Add([string]$p.Value) }
        [void]$list.Add(@{
            id = [int]$e.Id
            time = $e.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $SsoInv)
            strings = @($strings.ToArray())
        })
    }
}
$value = @($list.ToArray())
""".replace("<WATCHED_IDS>", ", ".join(str(i) for i in WATCHED_IDS)).replace(
        "<PER_ID_CAP>", str(PER_ID_CAP)).replace("<WINDOW_DAYS>", str(WINDOW_DAYS))
    # The IDs, cap and window come from ssocheck/sso_event_query.py, which the simulated farm reads too.

    @classmethod
    def parse(cls, raw: Any) -> list[SsoEvent]:
        events = [parse_event(item, f"{cls.name}[{i}]") for i, item in enumerate(as_list(raw, cls.name))]
        # Newest first; sorted() is stable, so events of the same second keep the log's order.
        return sorted(events, key=lambda e: e.time, reverse=True)


# --------------------------------------------------------------------------- System log (EVT001)


@dataclass(frozen=True)
class SystemEvent:
    """One System-log event: provider, ID, UTC time and insertion strings."""

    provider: str
    id: int
    time: str
    strings: tuple[str, ...]

    @property
    def when(self) -> datetime:
        """The event time as an aware UTC datetime."""
        return parse_time(self.time)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description for evidence."""
        return {"provider": self.provider, "id": self.id, "time": self.time, "strings": list(self.strings)}


@dataclass(frozen=True)
class SystemFailures:
    """System-log failures of services and cluster resources, and the names of this node's ENTSSO resources."""

    events: tuple[SystemEvent, ...]
    entsso_resources: tuple[str, ...]


class SystemFailureEvents(Fact[SystemFailures]):
    """Service Control Manager and Failover Clustering failures in the System log, newest first.

    The same bounded pattern as :class:`SsoEvents`: ``Get-WinEvent -FilterHashtable`` (provider, ID, start time
    filtered by the event log service) with ``-MaxEvents`` per (provider, ID) of ``SYSTEM_QUERIES``; "no
    events" and "no such provider" (a node without failover clustering) are empty answers. The events are
    not filtered by service here; the check keeps those about ENTSSO. To tell which cluster resource is
    ENTSSO, the snippet also lists the Generic Service resources whose ``ServiceName`` is ENTSSO from the
    node's own cluster hive (``HKLM\\Cluster\\Resources``, absent on nodes outside a cluster). Raw value::

        {"events": [{"provider", "id", "time": "yyyy-MM-ddTHH:mm:ssZ", "strings": [..]}],
         "entsso_resources": ["Enterprise Single Sign-On Service"]}
    """

    name = "system_failure_events"
    description = "System-log failures: ENTSSO logon (7038/7041) and cluster resource (1069/1040-1042) events"
    script = r"""
$queries = @(<QUERIES>)
$cap = <PER_ID_CAP>
$since = [DateTime]::Now.AddDays(-<WINDOW_DAYS>)
$list = New-Object System.Collections.ArrayList
foreach ($q in $queries) {
    $found = @()
    try {
        $found = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; ProviderName = $q[0]; Id = $q[1]; StartTime = $since } -MaxEvents $cap -ErrorAction Stop)
    } catch {
        # The id is on the record, or (PowerShell 2.0 and -ErrorAction Stop, unconfirmed) on the record the
        # ActionPreferenceStopException carries: accept either, never the localised message.
        $noMatch = [string]$_.FullyQualifiedErrorId
        if ($null -ne $_.Exception.ErrorRecord) { $noMatch = $noMatch + ' ' + [string]$_.Exception.ErrorRecord.FullyQualifiedErrorId }
        if ($noMatch -notlike '*NoMatching*') { throw }
    }
    foreach ($e in $found) {
        $strings = New-Object System.Collections.ArrayList
        foreach ($p in @($e.Properties)) { [void]$strings.Add([string]$p.Value) }
        [void]$list.Add(@{
            provider = [string]$e.ProviderName
            id = [int]$e.Id
            time = $e.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $SsoInv)
            strings = @($strings.ToArray())
        })
    }
}
$resources = New-Object System.Collections.ArrayList
$hive = 'Registry::HKEY_LOCAL_MACHINE\Cluster\Resources'
if (Test-Path -LiteralPath $hive) {
    foreach ($key in @(Get-ChildItem -LiteralPath $hive -ErrorAction SilentlyContinue)) {
        $path = 'Registry::' + [string]$key.Name
        $service = Get-SsoRegValue ($path + '\Parameters') 'ServiceName'
        if ((Get-SsoRegValue $path 'Type') -eq 'Generic Service' -and ([string]$service).ToUpperInvariant() -eq 'ENTSSO') {
            [void]$resources.Add([string](Get-SsoRegValue $path 'Name'))
        }
    }
}
$value = @{ events = @($list.ToArray()); entsso_resources = @($resources.ToArray()) }
""".replace("<QUERIES>", ", ".join(f"@('{p}', {i})" for p, i in SYSTEM_QUERIES)).replace(
        "<PER_ID_CAP>", str(PER_ID_CAP)).replace("<WINDOW_DAYS>", str(WINDOW_DAYS))

    @classmethod
    def parse(cls, raw: Any) -> SystemFailures:
        doc = expect_type(raw, dict, cls.name)
        events = []
        for i, item in enumerate(as_list(doc.get("events"), cls.name)):
            where = f"{cls.name}.events[{i}]"
            provider = opt_str(expect_type(item, dict, where).get("provider"), f"{where}.provider")
            if not provider:
                raise FactParseError(f"{where}: 'provider' is required")
            base = parse_event(item, where)
            events.append(SystemEvent(provider, base.id, base.time, base.strings))
        resources = tuple(opt_str(r, f"{cls.name}.entsso_resources[]") or "" for r in
                          as_list(doc.get("entsso_resources"), cls.name))
        return SystemFailures(tuple(sorted(events, key=lambda e: e.time, reverse=True)), resources)
