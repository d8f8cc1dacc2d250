"""BTS001 port create test: the one check that changes state, to prove SSO encryption end to end.

BizTalk encrypts port configuration through ENTSSO, so saving a new receive location and send port
succeeds only when the node's SSO service gets the master secret from the (clustered) master secret
server (domain.md section 10, guide step 24). The state-changing work is the ``port_create_test``
fact (:mod:`ssocheck.facts.porttest`); the runner skips this check unless changes are allowed, and
the collector never sends the fact without that permission.
"""

from __future__ import annotations

import re
from typing import Any

from ssocheck.check import Context, NodeCheck, NodeFacts, Outcome, errored, failed, passed
from ssocheck.facts.events import hresult_meaning
from ssocheck.facts.porttest import PortCreateTest, PortTestResult
from ssocheck.model import Phase, Severity
from ssocheck.sso_events import get as sso_event

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import BLOG_NO_ENDPOINTS, DOCS_CLUSTER_MSS, DOCS_HA_MSS, ENTSSO_E_NO_SSO_SERVER

DOCS_RECEIVE_LOCATIONS = "https://learn.microsoft.com/en-us/biztalk/core/receivelocations-biztalk-server-sample"
DOCS_SEND_PORTS = "https://learn.microsoft.com/en-us/biztalk/core/sendports-biztalk-server-sample"

ENTSSO_E_NOT_ADMIN = 0xC0002A13
ENTSSO_E_NO_SECRET = 0xC0002A1F
ENTSSO_E_NO_SECRET2 = 0xC0002A5B
SSO_WARN_NO_SECRETS = 0x80002918
RPC_S_NO_ENDPOINTS = 0x800706D9
RPC_S_SERVER_UNAVAILABLE = 0x800706BA

# Exception texts without a code (message catalogue 10767/10783, Win32 RPC messages) -> the code they stand for.
_TEXT_CODES = (
    ("secret is not available from the master secret server", ENTSSO_E_NO_SECRET),
    ("could not contact the sso server", ENTSSO_E_NO_SSO_SERVER),
    ("no more endpoints available from the endpoint mapper", RPC_S_NO_ENDPOINTS),
    ("rpc server is unavailable", RPC_S_SERVER_UNAVAILABLE),
)

_HINTS = {
    ENTSSO_E_NO_SECRET: (
        "the master secret server answered but has no master secret: restore it with 'ssoconfig -restoreSecret "
        "<backup file>' on each cluster node while it owns the SSO role, then take the ENTSSO resource offline "
        "and online"
    ),
    ENTSSO_E_NO_SSO_SERVER: (
        "the SSO server named as master secret server cannot be reached: check 'ssomanage -displaydb' (Secret "
        "Server name = the cluster network name), that the SSO role is online, that the ENTSSO resource has "
        "'Use Network Name for computer name' ticked (UseNetworkName 1), that no local ENTSSO was started on a "
        "cluster node outside the cluster, and that RPC (TCP 135 and the dynamic ports) is open"
    ),
    ENTSSO_E_NOT_ADMIN: "the account running ssocheck lacks the rights SSO requires for this operation",
}
_HINTS[ENTSSO_E_NO_SECRET2] = _HINTS[ENTSSO_E_NO_SECRET]
_HINTS[SSO_WARN_NO_SECRETS] = _HINTS[ENTSSO_E_NO_SECRET]


def is_entsso_error(code: int | None) -> bool:
    """An ENTSSO error HRESULT: severity error, facility 0, low word a known SSO message (0xC0002A1F)."""
    return code is not None and (code & 0xFFFF0000) == 0xC0000000 and sso_event(code & 0xFFFF) is not None


def _is_rpc(code: int | None) -> bool:
    return code is not None and (code & 0xFFFF0000) == 0x80070000


def sso_codes(result: PortTestResult) -> tuple[int | None, int | None]:
    """The ENTSSO HRESULT and the RPC code of a failed save, from the exception, its text, then the events.

    The exception's own codes win; text is the fallback for exceptions that carry none; the 10532 / 10536
    events ENTSSO wrote during the test fill what is still missing (0x80002918 "no secrets" means no secret).
    """
    hresult = next((c for c in (result.hresult, *result.codes) if is_entsso_error(c)), None)
    rpc = next((c for c in (result.rpc, *result.codes) if _is_rpc(c)), None)
    text = " ".join((result.error or "").split()).lower()
    for phrase, code in _TEXT_CODES:
        if phrase in text:
            if hresult is None and is_entsso_error(code):
                hresult = code
            if rpc is None and _is_rpc(code):
                rpc = code
    for event in result.events:
        ev_code = event.hresult
        if hresult is None and is_entsso_error(ev_code):
            hresult = ev_code
        if hresult is None and ev_code == SSO_WARN_NO_SECRETS:
            hresult = ENTSSO_E_NO_SECRET
        if rpc is None and _is_rpc(ev_code):
            rpc = ev_code
    if hresult is None and rpc is not None and result.stage == "save":
        hresult = ENTSSO_E_NO_SSO_SERVER  # an RPC failure while SSO encrypts is SSO failing to reach its server
    return hresult, rpc


def _secret_server(result: PortTestResult) -> str | None:
    for event in result.events:
        name = event.field("Secret Server Name")
        if name:
            return name
    match = re.search(r"could not contact the sso server '([^']+)'", result.error or "", re.I)
    return match.group(1) if match else None


def _names(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(items) if items else "(none)"


class PortCreateTestCheck(NodeCheck):
    """From each BizTalk node a temporary receive port + location and send port can be created and removed.

    The final proof that the master secret server move worked (guide step 24): BizTalk encrypts port
    configuration through the node's ENTSSO, which needs the master secret from the clustered master
    secret server, so saving new ports proves the whole path BizTalk node -> ENTSSO -> master secret
    server -> SSO database. This is the one check that writes: it runs only with ``--allow-changes``
    (otherwise it is skipped), on one node at a time, with ports named ``ZZ_SSOCHK_<run>_<node>_*``
    that are never enlisted or started and are removed again at once; leftovers of an interrupted run
    are removed first. A failed save names the SSO error and the ENTSSO events written at that moment;
    a failed removal is an ``error`` naming the ports left behind.
    """

    id = "BTS001"
    name = "port-create-test"
    severity = Severity.CRITICAL
    roles = ("biztalk",)
    # CHECKS.md: post, opt-in; issue 5 adds nightly when changes are explicitly allowed. Both need
    # --allow-changes (or allow_changes: true in the inventory); the runner enforces it.
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (PortCreateTest,)
    writes = True
    guide_step = "24"
    remediation = (
        "On failure: fix what the SSO error names (ENTSSO_E_NO_SECRET 0xC0002A1F: restore the master secret on "
        "the cluster nodes with 'ssoconfig -restoreSecret'; ENTSSO_E_NO_SSO_SERVER 0xC0002A0F / RPC 0x800706D9: "
        "secret server name in 'ssomanage -displaydb', SSO role online, UseNetworkName 1, RPC ports), then run "
        "'ssocheck run --allow-changes --select BTS001' again. If ports were left behind, delete the receive and "
        "send ports named ZZ_SSOCHK_* in the BizTalk Server Administration console (or let the next run remove them)."
    )
    references = (DOCS_HA_MSS, DOCS_CLUSTER_MSS, DOCS_RECEIVE_LOCATIONS, DOCS_SEND_PORTS, BLOG_NO_ENDPOINTS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        result = node.get(PortCreateTest)
        names = dict(result.names)
        evidence: dict[str, Any] = {
            "run_id": result.run_id,
            "mgmt_db": result.mgmt_db,
            "mgmt_db_source": result.mgmt_db_source,
            "receive_port": names.get("receive_port"),
            "receive_location": names.get("receive_location"),
            "send_port": names.get("send_port"),
            "powershell": f"{result.process_bits}-bit" + (" relaunched as 32-bit" if result.relaunched_32bit else ""),
        }
        if result.leftovers_found:
            evidence["leftovers_found"] = list(result.leftovers_found)
            evidence["leftovers_removed"] = list(result.leftovers_removed)
        if result.precleanup_error:
            evidence["precleanup_error"] = result.precleanup_error
        if result.events:
            evidence["events"] = [e.summary() for e in result.events]
        left_note = ""
        if not result.cleanup_ok:
            evidence["leftovers"] = list(result.leftovers)
            evidence["cleanup_error"] = result.cleanup_error
            left_note = f"; left behind: {_names(result.leftovers)}"

        if result.saved:
            evidence["ports_created"] = list(result.created)
            if not result.cleanup_ok:
                return errored(
                    f"the test ports were created (SSO encryption works) but cleanup failed{left_note}: delete them "
                    "in the BizTalk Administration console or let the next run remove them",
                    expected="test ports created, saved and removed",
                    found=f"created {_names(result.created)}; cleanup: {result.cleanup_error or 'ports still listed'}",
                    **evidence,
                )
            removed = (f" (first removed leftovers of an earlier run: {_names(result.leftovers_removed)})"
                       if result.leftovers_removed else "")
            return passed(
                f"created and removed receive port {names.get('receive_port')} (with a FILE receive location) and "
                f"send port {names.get('send_port')}: ENTSSO encrypted their configuration{removed}",
                expected="test ports created, saved and removed",
                found="created, saved and removed",
                **evidence,
            )

        evidence["ports_attempted"] = list(result.attempted)
        evidence["stage"] = result.stage
        evidence["error"] = result.error
        hresult, rpc = sso_codes(result)
        if hresult is not None and (is_entsso_error(result.hresult) or result.stage == "save"):
            server = _secret_server(result)
            evidence["hresult"] = f"0x{hresult:08X}"
            evidence["hresult_meaning"] = hresult_meaning(hresult)
            if rpc is not None:
                evidence["rpc"] = f"0x{rpc:08X}"
                evidence["rpc_meaning"] = hresult_meaning(rpc)
            if server:
                evidence["secret_server"] = server
            hint = _HINTS.get(hresult)
            if hint:
                evidence["hint"] = hint
            rpc_text = f"; RPC 0x{rpc:08X} {hresult_meaning(rpc)}" if rpc is not None else ""
            where = f" (master secret server {server})" if server else ""
            return failed(
                f"SSO could not encrypt the new port configuration: 0x{hresult:08X} {hresult_meaning(hresult)}"
                f"{rpc_text}{where}{left_note}",
                expected="test ports created, saved and removed",
                found=result.error or f"0x{hresult:08X}",
                **evidence,
            )
        return errored(
            f"the port test could not run (stage {result.stage or '?'}): {result.error or 'no error reported'}"
            f"{left_note}",
            expected="test ports created, saved and removed",
            found=result.error,
            **evidence,
        )


CHECKS = [PortCreateTestCheck]
