"""The one result model: every reporter (console, JUnit, HTML, JSON) renders a :class:`Report`."""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Status(str, enum.Enum):
    """Outcome of one check on one node.

    ``error`` is assigned by the framework when a check could not decide (node unreachable,
    fact missing or malformed, check crashed). It is never folded into ``pass``.
    """

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    ERROR = "error"
    # A fail or warn accepted by a waiver in force: shown and counted as such, never as pass or a plain skip.
    WAIVED = "waived"


class Severity(str, enum.Enum):
    """How bad a failure of a check is; ordered from most to least severe."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for critical, growing as severity decreases (for sorting and thresholds)."""
        return list(Severity).index(self)

    def at_least(self, threshold: Severity) -> bool:
        """True when this severity is as severe as ``threshold`` or more."""
        return self.rank <= threshold.rank


class Phase(str, enum.Enum):
    """When a run happens relative to the migration (see CHECKS.md)."""

    PRE = "pre"
    POST = "post"
    NIGHTLY = "nightly"


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README; CI pipelines depend on them."""

    OK = 0
    FAIL = 1
    USAGE = 2
    ERROR = 3
    # Ctrl-C / SIGTERM: the run stopped early; its reports say INTERRUPTED (128 + SIGINT, the shell convention).
    INTERRUPTED = 130


# Where the master secret server runs (Microsoft's high-availability page for the MSS names these three; README
# "Topologies"): on its own failover cluster (the default, what the migration guide builds), clustered next to SQL
# Server on the existing SQL failover cluster, or on one SSO server with a prepared manual promotion of a standby.
# The inventory's JSON Schema is the one list (its ``topology`` enum, first = default); read from it here.
_INVENTORY_SCHEMA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "schemas" / "inventory.schema.json").read_text(encoding="utf-8"))
_TOPOLOGY_SCHEMA: dict[str, Any] = _INVENTORY_SCHEMA["properties"]["topology"]
TOPOLOGIES: tuple[str, ...] = tuple(_TOPOLOGY_SCHEMA["enum"])
DEFAULT_TOPOLOGY: str = _TOPOLOGY_SCHEMA["default"]
# Inventory roles (the schema's ``role`` enum): BizTalk nodes, the MSS cluster's nodes, SQL nodes, and a standalone
# SSO server (topology standalone: the master secret server and its standby).
ROLES: tuple[str, ...] = tuple(_INVENTORY_SCHEMA["$defs"]["role"]["enum"])
# The roles of the nodes that are (or will be) the master secret server: cluster nodes, or a standalone SSO server.
MSS_ROLES = ("sso-cluster", "sso-server")


def topologies_text(topologies: tuple[str, ...]) -> str:
    """A check's topologies for a table: ``all`` when it applies to every one, else their names."""
    return "all" if set(topologies) >= set(TOPOLOGIES) else ", ".join(topologies)


@dataclass(frozen=True)
class Expectations:
    """What the inventory says the farm should look like; stored in snapshots so checks can re-run offline.

    Nothing secret lives here (no passwords), so it is safe to write into snapshots and reports.
    """

    group: str
    cluster_network_name: str
    master_secret_server: str
    sso_service_account: str
    sso_db_server: str
    sso_db_name: str
    biztalk_sso_service_account: str | None = None
    domain_netbios: str | None = None
    domain_dns: str | None = None
    max_clock_skew_seconds: int = 60
    # The BizTalk management database (BTS001); None: read from each node's BizTalk configuration.
    biztalk_mgmt_db_server: str | None = None
    biztalk_mgmt_db_name: str | None = None
    # The inventory's node names by role: NET002's probe tests TCP 135 from each SSO cluster node back
    # to each BizTalk node, so every node learns both lists (it tests only its own outbound path).
    biztalk_nodes: tuple[str, ...] = ()
    sso_cluster_nodes: tuple[str, ...] = ()
    # The account that will run 'ssoconfig -restoreSecret' in the window (SSO014); None: SSO014 is skipped.
    restore_operator: str | None = None
    # Where the MSS runs (TOPOLOGIES): decides which checks apply (runner) and is recorded in every report.
    topology: str = DEFAULT_TOPOLOGY
    # Topology standalone: the SSO server prepared for manual promotion (inventory standalone.standby), or None.
    # The standalone master secret server itself is ``cluster_network_name``: the MSS name after the move.
    standby_sso_server: str | None = None
    # The MessageBox's SQL Server (inventory biztalk.messagebox_database): on a sql-cluster, SSO025 keeps the MSS
    # off the node that is active for its SQL role. None: not given.
    messagebox_db_server: str | None = None
    messagebox_db_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "group": self.group,
            "cluster_network_name": self.cluster_network_name,
            "master_secret_server": self.master_secret_server,
            "sso_service_account": self.sso_service_account,
            "biztalk_sso_service_account": self.biztalk_sso_service_account,
            "sso_db_server": self.sso_db_server,
            "sso_db_name": self.sso_db_name,
            "domain_netbios": self.domain_netbios,
            "domain_dns": self.domain_dns,
            "max_clock_skew_seconds": self.max_clock_skew_seconds,
            "biztalk_mgmt_db_server": self.biztalk_mgmt_db_server,
            "biztalk_mgmt_db_name": self.biztalk_mgmt_db_name,
            "biztalk_nodes": list(self.biztalk_nodes),
            "sso_cluster_nodes": list(self.sso_cluster_nodes),
            "restore_operator": self.restore_operator,
            "topology": self.topology,
            "standby_sso_server": self.standby_sso_server,
            "messagebox_db_server": self.messagebox_db_server,
            "messagebox_db_name": self.messagebox_db_name,
        }

    def probe_params(self) -> dict[str, Any]:
        """The inventory values a probe may read on the server (sent as JSON data, never interpolated)."""
        return {
            "cluster_network_name": self.cluster_network_name,
            "master_secret_server": self.master_secret_server,
            "sso_service_account": self.sso_service_account,
            "sso_db_server": self.sso_db_server,
            "sso_db_name": self.sso_db_name,
            "biztalk_mgmt_db_server": self.biztalk_mgmt_db_server,
            "biztalk_mgmt_db_name": self.biztalk_mgmt_db_name,
            "rpc_callback_sources": list(self.sso_cluster_nodes),
            "rpc_callback_targets": list(self.biztalk_nodes),
            "restore_operator": self.restore_operator or "",
        }


@dataclass(frozen=True)
class CheckMeta:
    """What a check is, independent of any run: shown by ``list``/``explain`` and carried in reports."""

    id: str
    name: str
    title: str
    description: str
    severity: Severity
    shape: str  # "node" or "group"
    phases: tuple[Phase, ...]
    roles: tuple[str, ...]
    remediation: str
    guide_step: str
    references: tuple[str, ...]
    facts: tuple[str, ...]
    pack: str = "builtin"
    writes: bool = False
    # The MSS topologies the check applies to; in any other the runner gives it `skip` with the reason.
    topologies: tuple[str, ...] = TOPOLOGIES

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (used by ``list --format json`` and the JSON report)."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "severity": self.severity.value,
            "shape": self.shape,
            "phases": [p.value for p in self.phases],
            "roles": list(self.roles),
            "remediation": self.remediation,
            "guide_step": self.guide_step,
            "references": list(self.references),
            "facts": list(self.facts),
            "pack": self.pack,
            "writes": self.writes,
            "topologies": list(self.topologies),
        }


# The pseudo-check that carries a node's collection error (not a catalog ID: catalog IDs are AAA999).
COLLECTION_CHECK = "COLLECTION"
COLLECTION_META = CheckMeta(
    id=COLLECTION_CHECK,
    name="facts-collected",
    title="The node's facts were collected (reachable, authenticated, answered in time, answer readable)",
    severity=Severity.CRITICAL,
    phases=tuple(Phase),
    roles=ROLES,
    shape="node",
    guide_step="",
    references=(),
    facts=(),
    pack="ssocheck",
    description="Not a check of the farm: the result of collecting the node. Until it passes, nothing about "
                "the node is known, so the node's checks are skipped and the run cannot pass.",
    remediation="Fix the cause shown (address, DNS, firewall, WinRM listener, credentials, TLS trust) and run "
                "again; 'ssocheck doctor -i INVENTORY' tests the connection alone.",
)


@dataclass(frozen=True)
class Result:
    """One verdict: one check on one node."""

    check_id: str
    node: str
    status: Status
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    # Set when a waiver turned a failure into a skip (issue 4); kept so reports can show it.
    waiver: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out: dict[str, Any] = {
            "check_id": self.check_id,
            "node": self.node,
            "status": self.status.value,
            "message": self.message,
            "evidence": dict(self.evidence),
        }
        if self.waiver is not None:
            out["waiver"] = dict(self.waiver)
        return out


@dataclass(frozen=True)
class NodeInfo:
    """A node as seen by the run: its roles and whether its facts could be collected."""

    name: str
    roles: tuple[str, ...]
    address: str = ""
    error: str | None = None
    ps_version: str | None = None
    duration_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "roles": list(self.roles),
            "address": self.address,
            "error": self.error,
            "ps_version": self.ps_version,
            "duration_s": self.duration_s,
        }


@dataclass(frozen=True)
class Report:
    """Everything a reporter needs about one run; built once by the runner, never mutated."""

    tool_version: str
    phase: Phase
    group: str
    source: str  # "live" or "snapshot:<path>"
    started_at: str
    finished_at: str
    nodes: tuple[NodeInfo, ...]
    checks: Mapping[str, CheckMeta]
    results: tuple[Result, ...]
    # Extra sections added by later stages (drift, waivers, audit trail); each a JSON-ready value.
    sections: Mapping[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    # ``--fail-on``: only failures of at least this severity make the exit code 1 (None: every one).
    # Failures below it still show as ``fail`` in every report; errors always count (exit 3).
    fail_on: Severity | None = None
    # How the report was produced (ssocheck/provenance.py): command line, selected checks, input files and
    # their hashes, who ran it from where. JSON-ready; empty when the front end gave none.
    provenance: Mapping[str, Any] = field(default_factory=dict)
    # Set when Ctrl-C/SIGTERM stopped the collection: whatever the results say, the run proves nothing whole.
    interrupted: bool = False
    # The inventory's MSS topology (TOPOLOGIES) the checks were evaluated for.
    topology: str = DEFAULT_TOPOLOGY

    def counts(self) -> dict[Status, int]:
        """Number of results per status (every status present, zero if none)."""
        counter = Counter(r.status for r in self.results)
        return {status: counter.get(status, 0) for status in Status}

    def results_for(self, node: str) -> list[Result]:
        """Results of one node, in check-ID order."""
        return sorted((r for r in self.results if r.node == node), key=lambda r: r.check_id)

    def counted_failures(self) -> tuple[int, int]:
        """(failures that count for the exit code, failures below the ``fail_on`` threshold)."""
        counted = below = 0
        for result in self.results:
            if result.status is not Status.FAIL:
                continue
            meta = self.checks.get(result.check_id)
            # A result of an unknown check counts: a threshold must never hide a failure by accident.
            if self.fail_on is None or meta is None or meta.severity.at_least(self.fail_on):
                counted += 1
            else:
                below += 1
        return counted, below

    def exit_code(self) -> ExitCode:
        """0 nothing failed or errored, 1 at least one (counted) fail, 3 no such fail but an error; 130 interrupted."""
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if self.counted_failures()[0]:
            return ExitCode.FAIL
        if self.counts()[Status.ERROR]:
            return ExitCode.ERROR
        return ExitCode.OK

    def verdict(self) -> str:
        """One word for the top of every report."""
        return {ExitCode.OK: "PASSED", ExitCode.FAIL: "FAILED", ExitCode.ERROR: "INCOMPLETE",
                ExitCode.INTERRUPTED: "INTERRUPTED"}[self.exit_code()]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the JSON report schema (ssocheck/schemas/report.schema.json) describes it."""
        return {
            "schema": "ssocheck-report/1",
            "tool_version": self.tool_version,
            "phase": self.phase.value,
            "topology": self.topology,
            "group": self.group,
            "source": self.source,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 3),
            "verdict": self.verdict(),
            "exit_code": int(self.exit_code()),
            "fail_on": self.fail_on.value if self.fail_on else None,
            "failures_below_threshold": self.counted_failures()[1],
            "summary": {s.value: n for s, n in self.counts().items()},
            "nodes": [n.to_dict() for n in self.nodes],
            "checks": {cid: meta.to_dict() for cid, meta in sorted(self.checks.items())},
            "results": [r.to_dict() for r in self.results],
            "sections": dict(self.sections),
            "provenance": dict(self.provenance),
        }
