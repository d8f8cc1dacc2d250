"""The probe self-test of ``ssocheck doctor --self-test``: does a real run work on this node?

One probe (the same builder, preamble and JSON writer as a run) with a single fact, ``doctor_selftest``:
it builds a table of values that break naive JSON writers and naive transports (backslash, quotes, every
control character, non-ASCII, a surrogate pair, 64-bit and negative integers, nested lists and maps,
``$null``, the empty string, a UTC date) and lets the node's own ``ConvertTo-SsoJson`` write it; the client
compares what arrives with :data:`EXPECTED`. The same answer carries the node's PowerShell and CLR
version, culture, language mode and elevation, and what each fact needs (module, assembly, rights,
delegation), so the summary says in one line per node whether a real run will work and, if not, why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ssocheck.facts.base import Fact

# What the node must send back, value for value (the snippet below builds the same table in PowerShell).
EXPECTED: dict[str, Any] = {
    "backslash": "C:\\Program Files\\Common Files\\",
    "quotes": "it's \"quoted\"",
    "controls": "".join(chr(c) for c in range(32)) + "\x7f",
    "non_ascii": "caf\u00e9 \u4e2d\u6587 \u00df",
    "surrogate_pair": "\U0001f600",
    "int_max": 2147483647,
    "long_min": -9223372036854775808,
    "long_max": 9223372036854775807,
    "negative": -42,
    "double": 1.5,
    "nested": {"list": [1, "two", [3]], "map": {"k": None}},
    "null": None,
    "empty": "",
    "true": True,
    "date": "2026-01-02T03:04:05Z",
    # .NET's '$' matches before a final newline: a writer whose fast path ends in '$' sends this raw (invalid JSON).
    "trailing_newline": "line\n",
    # A hashtable entry named 'keys' hides the Keys property: a writer iterating $o.Keys sends garbage here.
    "member_names": {"keys": ["k1"], "values": "v"},
    # A byte[] (a REG_BINARY value) is written as base64, also after a function returned it.
    "bytes": "AP8=",
    # JSON has no NaN: the writer sends null.
    "nan": None,
}


class DoctorSelfTest(Fact[dict[str, Any]]):
    """Round-trip table and prerequisites (read-only). Raw value: ``{"table": {...}, "prereq": {name: bool}}``."""

    name = "doctor_selftest"
    description = "Probe self-test: JSON round trip of tricky values and per-fact prerequisites"
    script = r"""
# Returned the way Get-SsoRegValue returns a REG_BINARY value: whole, with the unary comma.
function Get-SsoSelfTestBytes { return ,([byte[]](0, 255)) }
$controls = New-Object System.Text.StringBuilder
foreach ($c in 0..31) { [void]$controls.Append([char]$c) }
[void]$controls.Append([char]127)
$table = @{
    backslash = 'C:\Program Files\Common Files\'
    quotes = 'it''s "quoted"'
    controls = $controls.ToString()
    non_ascii = 'caf' + [char]0x00E9 + ' ' + [char]0x4E2D + [char]0x6587 + ' ' + [char]0x00DF
    surrogate_pair = [string][char]0xD83D + [string][char]0xDE00
    int_max = [int]::MaxValue
    long_min = [long]::MinValue
    long_max = [long]::MaxValue
    negative = -42
    double = [double]1.5
    nested = @{ list = @(1, 'two', @(,3)); map = @{ k = $null } }
    null = $null
    empty = ''
    true = $true
    date = New-Object System.DateTime(2026, 1, 2, 3, 4, 5, [System.DateTimeKind]::Utc)
    trailing_newline = 'line' + [char]10
    member_names = @{ keys = @('k1'); values = 'v' }
    bytes = (Get-SsoSelfTestBytes)
    nan = [double]::NaN
}
$prereq = @{}
$prereq['failoverclusters_module'] = (@(Get-Module -ListAvailable -Name FailoverClusters).Length -gt 0)
$ns = @(Get-WmiObject -Namespace 'root' -Class '__NAMESPACE' -Filter "Name='MSCluster'" -ErrorAction SilentlyContinue)
$prereq['mscluster_wmi'] = ($ns.Length -gt 0)
$prereq['get_winevent'] = ($null -ne (Get-Command Get-WinEvent -ErrorAction SilentlyContinue))
if ($prereq['get_winevent']) {
    # The event facts take Get-WinEvent's "no events" error as an empty answer by its error id; whether PowerShell
    # 2.0's -ErrorAction Stop keeps that id on the caught record is unconfirmed: ask a query that matches nothing.
    $noMatchSeen = $false
    try {
        $nothing = @{ LogName = 'Application'; Id = 65535; StartTime = [DateTime]::Now.AddSeconds(-1) }
        $null = @(Get-WinEvent -FilterHashtable $nothing -MaxEvents 1 -ErrorAction Stop)
        $noMatchSeen = $true
    } catch {
        $noMatch = [string]$_.FullyQualifiedErrorId
        $inner = $_.Exception.ErrorRecord
        if ($null -ne $inner) { $noMatch = $noMatch + ' ' + [string]$inner.FullyQualifiedErrorId }
        $noMatchSeen = ($noMatch -like '*NoMatching*')
    }
    $prereq['winevent_no_match_empty'] = $noMatchSeen
}
# BTS001's 64-bit parent reads the 32-bit worker's answer with System.Web.Extensions (.NET 3.5 or 4).
$webExtensions = [System.Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')
$prereq['system_web_extensions'] = ($null -ne $webExtensions)
$ssomanage = $false
foreach ($folder in @($env:CommonProgramFiles, ${env:CommonProgramFiles(x86)})) {
    if (-not $folder) { continue }
    $exe = [System.IO.Path]::Combine([string]$folder, 'Enterprise Single Sign-On\ssomanage.exe')
    if (Test-Path -LiteralPath $exe) { $ssomanage = $true }
}
$prereq['ssomanage'] = $ssomanage
$entsso = Get-WmiObject -Class Win32_Service -Filter "Name='ENTSSO'"
$prereq['entsso_running'] = ($null -ne $entsso -and [string]$entsso.State -eq 'Running')
$prereq['domain_member'] = [bool](Get-WmiObject -Class Win32_ComputerSystem).PartOfDomain
$value = @{ table = $table; prereq = $prereq }
"""

    @classmethod
    def parse(cls, raw: Any) -> dict[str, Any]:
        return raw if isinstance(raw, dict) else {}


def compare(table: Any) -> list[str]:
    """The keys whose value did not survive the round trip (with what arrived)."""
    if not isinstance(table, dict):
        return [f"no table in the answer (got {type(table).__name__})"]
    out = []
    for key, want in EXPECTED.items():
        got = table.get(key, "<missing>")
        if got != want or type(got) is not type(want):
            out.append(f"{key}: sent {want!r}, got {got!r}")
    return out


@dataclass(frozen=True)
class Need:
    """One fact's prerequisite: what it needs, and whether the node (or the transport) has it."""

    fact: str
    needs: str
    holds: bool | None
    fix: str


@dataclass
class SelfTest:
    """What the self-test found on one node."""

    node: str
    ok: bool
    ps_version: str = ""
    clr_version: str = ""
    culture: str = ""
    language_mode: str = ""
    elevated: bool | None = None
    round_trip: list[str] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    error: str | None = None

    SUMMARY_OK: ClassVar[str] = "a real run will work"

    def summary(self) -> str:
        """One line: will a real run work here, and if not, why."""
        if self.error:
            return f"{self.node}: NO - {self.error}"
        problems = []
        if self.round_trip:
            problems.append(f"JSON round trip broken ({len(self.round_trip)} values): {self.round_trip[0]}")
        grouped: dict[tuple[str, str], list[str]] = {}
        for need in self.needs:
            if need.holds is False:
                grouped.setdefault((need.needs, need.fix), []).append(need.fact)
        problems += [f"no {what} for {', '.join(facts)} ({fix})" for (what, fix), facts in grouped.items()]
        env = (f"PowerShell {self.ps_version}, CLR {self.clr_version}, culture {self.culture or 'invariant'}, "
               f"{self.language_mode}, {'elevated' if self.elevated else 'NOT elevated'}")
        if problems:
            return f"{self.node}: NO - {'; '.join(problems)} [{env}]"
        return f"{self.node}: yes - {self.SUMMARY_OK} [{env}]"


def needs(prereq: dict[str, Any], elevated: bool | None, transport: str, roles: tuple[str, ...],
          allow_changes: bool = False) -> list[Need]:
    """Each fact's prerequisites on a node of ``roles`` from what the node reported.

    ``holds`` None: not needed by a read-only run (BTS001's delegation without ``allow_changes``).
    """
    cluster = "sso-cluster" in roles
    sso = bool({"biztalk", "sso-cluster", "sso-server"} & set(roles))
    out = [Need("(every fact)", "FullLanguage PowerShell", True, "")]
    admin_fix = "add the WinRM account to the local Administrators group"
    for fact in ("user_rights", "msdtc_security") + (("sso_secret_keys", "cluster") if cluster else ()):
        out.append(Need(fact, "local administrator rights", elevated, admin_fix))
    if cluster:
        either = bool(prereq.get("failoverclusters_module")) or bool(prereq.get("mscluster_wmi"))
        out.append(Need("cluster", "the FailoverClusters module or WMI root\\MSCluster", either,
                        "install RSAT-Clustering-PowerShell or start the cluster service"))
    out.append(Need("sso_events", "Get-WinEvent (.NET 3.5)", bool(prereq.get("get_winevent")),
                    "install .NET Framework 3.5.1"))
    if "winevent_no_match_empty" in prereq:
        out.append(Need("sso_events, system_failure_events", "Get-WinEvent's 'no events' recognised by its error id",
                        bool(prereq.get("winevent_no_match_empty")),
                        "the event facts would fail here: report this node's PowerShell version "
                        "(docs/windows-notes.md, to confirm on the first real run)"))
    if sso:
        out.append(Need("service_account_groups", "a domain member (S4U logon)", bool(prereq.get("domain_member")),
                        "join the node to the domain"))
        out.append(Need("sso_db_info", "ssomanage.exe (SSO administration tools)", bool(prereq.get("ssomanage")),
                        "install the Enterprise SSO Administration module"))
    if "biztalk" in roles:
        out.append(Need("port_create_test (BTS001)", "a delegating transport",
                        (transport.lower() == "credssp") if allow_changes else None,
                        "set transport: credssp and run Enable-WSManCredSSP -Role Server on the node"))
        if "system_web_extensions" in prereq:
            # Present: nothing to say. Missing: a problem only when changes are allowed, a note otherwise.
            present = bool(prereq.get("system_web_extensions"))
            out.append(Need("port_create_test (BTS001)", "System.Web.Extensions (.NET 3.5 or 4)",
                            True if present else (False if allow_changes else None),
                            "install .NET Framework 3.5.1: the 32-bit port test's answer is read with it"))
    return out


def self_test_node(inv: Any, node: Any, password: Any) -> SelfTest:
    """Send the self-test probe to one node and judge its answer (never raises for a node problem)."""
    from ssocheck.errors import TransportError
    from ssocheck.facts.probe import ProbeOutputError, build_probe, parse_answer
    from ssocheck.transport.winrm import run_script

    script = build_probe([DoctorSelfTest], inv.expect.probe_params())
    try:
        result = run_script(inv.connection, node, password, script)
        answer = parse_answer(result.stdout, [DoctorSelfTest.name])
    except (TransportError, ProbeOutputError) as exc:
        return SelfTest(node.name, False, error=str(exc))
    env = answer.environment
    test = SelfTest(node.name, False, ps_version=answer.ps_version, clr_version=str(env.get("clr_version") or "?"),
                    culture=str(env.get("culture") or ""), language_mode=str(env.get("language_mode") or "?"),
                    elevated=env.get("elevated") if isinstance(env.get("elevated"), bool) else None)
    if DoctorSelfTest.name in answer.fact_errors:
        test.error = f"the self-test failed on the node: {answer.fact_errors[DoctorSelfTest.name]}"
        return test
    raw = answer.facts.get(DoctorSelfTest.name)
    doc = raw if isinstance(raw, dict) else {}
    test.round_trip = compare(doc.get("table"))
    found = doc.get("prereq")
    prereq: dict[str, Any] = found if isinstance(found, dict) else {}
    test.needs = needs(prereq, test.elevated, inv.connection.transport, tuple(node.roles),
                       bool(getattr(inv, "allow_changes", False)))
    test.ok = not test.round_trip and all(n.holds is not False for n in test.needs)
    return test


def self_test_all(inv: Any, password: Any, workers: int) -> list[SelfTest]:
    """Self-test every node in parallel, each bounded by the inventory's ``node_timeout`` like a run."""
    import functools

    from ssocheck.deadline import Finished, clean_up_abandoned, run_all

    outcomes = run_all([(n.name, functools.partial(self_test_node, inv, n, password)) for n in inv.nodes],
                       workers=workers, timeout=inv.connection.node_timeout)
    clean_up_abandoned(outcomes)  # an abandoned node's open shell is deleted (logged), as in a run
    tests = []
    for node in inv.nodes:
        outcome = outcomes[node.name]
        if isinstance(outcome, Finished) and isinstance(outcome.value, SelfTest):
            tests.append(outcome.value)
        else:
            tests.append(SelfTest(node.name, False, error=f"no answer within {inv.connection.node_timeout} s"))
    return tests


def report_lines(tests: Any) -> list[str]:
    """The self-test section of ``doctor``: a summary line per node, then what failed, indented."""
    lines = []
    for test in tests:
        lines.append(test.summary())
        lines += [f"    round trip: {problem}" for problem in test.round_trip]
        for need in test.needs:
            if need.holds is None:
                lines.append(f"    {need.fact}: needs {need.needs} (only with --allow-changes; {need.fix})")
            elif need.holds is False:
                lines.append(f"    {need.fact}: needs {need.needs}: NO - {need.fix}")
    return lines
