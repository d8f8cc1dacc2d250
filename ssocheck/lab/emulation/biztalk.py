"""The BizTalk group's management database in the simulated farm, and the BTS001 port create test.

Scenario schema (top-level ``biztalk:``; one management database per farm = per BizTalk group)::

    biztalk:
      mgmt_db: {server: SQL01, name: BizTalkMgmtDb}
      ports: {receive: [names], send: [names]}   # receive ports (with their locations) and send ports
      cleanup_fails: false                       # true, or a list of node names: removing ports fails there

``port_create_test`` answers the ``writes`` fact of ``ssocheck/facts/porttest.py`` (its docstring is the
wire contract) and really changes this state: the ports it creates exist until it removes them, a
failed removal leaves them behind for the next run to find, and the ENTSSO events a real server
writes at that moment are appended to the node's ``events``.

Whether SSO can encrypt the new port configuration is derived from the scenario state, the way the
real chain works: the node's own ENTSSO must run; it uses the SSO database its ``ENTSSO\\SQL``
registry names; that database's ``secret_server`` must answer (a cluster network name: its group
and name online on an up owner node, the clustered ENTSSO resource online with UseNetworkName 1; a
computer name: up with ENTSSO running and acting as master secret server, i.e. its newest 10534
event is not older than its newest service start) and the server it reaches must hold the secret (sub-keys
under ``HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS``). The lab never imports ``ssocheck.facts``; the
few constants it shares with the snippet are duplicated here.
"""

from __future__ import annotations

import copy
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ssocheck.lab.emulation import EmulationError, emulates, identity_of
from ssocheck.lab.state import Event, FarmState, NodeState

PREFIX = "ZZ_SSOCHK_"  # duplicated from ssocheck/facts/porttest.py on purpose
ADMIN_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0\Administration",
    r"HKLM\SOFTWARE\Wow6432Node\Microsoft\BizTalk Server\3.0\Administration",
)
PRODUCT_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0",
    r"HKLM\SOFTWARE\Wow6432Node\Microsoft\BizTalk Server\3.0",
)
ENTSSO_SQL = r"HKLM\SOFTWARE\Microsoft\ENTSSO\SQL"
SSOSS = r"HKLM\SOFTWARE\Microsoft\ENTSSO\SSOSS"

NO_MGMT_DB = (
    "BizTalk management database unknown: not in the inventory and no MgmtDBServer/MgmtDBName under "
    "HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0\\Administration"
)
# Texts as Windows and ENTSSO write them (domain.md sections 8-10; sso-events.tsv 10767/10783).
NO_SSO_SERVER = (
    "Could not contact the SSO server '{server}'. Check that SSO is configured and that the SSO service is running "
    "on that server."
)
NO_SECRET = (
    "Cannot perform encryption or decryption because the secret is not available from the master secret server. "
    "See the event log for related errors."
)
NO_SECRETS_IN_REGISTRY = (
    "0x80002918, No secrets were found in the registry of the master secret server. Use the configuration tools "
    "to generate or restore a master secret."
)
RPC_TEXT = {
    0x800706D9: "There are no more endpoints available from the endpoint mapper.",
    0x800706BA: "The RPC server is unavailable.",
}
SQL_TIMEOUT = (
    "Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not "
    "responding."
)
SQL_ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
SQL_ERROR = 0x80131904  # SqlException.ErrorCode (ExternalException)
ENTSSO_E_NO_SSO_SERVER = 0xC0002A0F
ENTSSO_E_NO_SECRET = 0xC0002A1F
RPC_S_NO_ENDPOINTS = 0x800706D9
RPC_S_SERVER_UNAVAILABLE = 0x800706BA
SERVICE_STARTS = (10501, 10611)
IS_SECRET_SERVER = 10534
# The SSO API the adapter configuration goes through when a port is saved [U: name not confirmed].
AUDIT_FUNCTION = "SetConfigInfo"

_LOCK = threading.Lock()  # one management database per farm; nodes may be tested from several threads


def _hex(code: int) -> str:
    return f"0x{code:08X}"


def _invoke_error(method: str, inner: str) -> str:
    """PowerShell's message for a .NET method that threw (MethodInvocationException)."""
    return f'Exception calling "{method}" with "0" argument(s): "{inner}"'


@dataclass(frozen=True)
class SsoFailure:
    """Why the node's SSO could not encrypt: the exception ExplorerOM throws and what ENTSSO logs."""

    hresult: int
    rpc: int | None
    message: str
    secret_server: str | None = None
    lost_secret_code: str | None = None  # "Error Code" of the 10532 event; None: no 10532 written
    audit_code: str | None = None  # "Error Code" of the 10536 audit; None: no 10536 written

    def codes(self) -> list[str]:
        """The codes the snippet finds in the exception chain, in its order (outer message first)."""
        found = [_hex(self.rpc)] if self.rpc is not None else []
        if _hex(self.hresult) not in found:
            found.append(_hex(self.hresult))
        return found


def _defaults() -> dict[str, Any]:
    """The raw value's fields as the snippet initialises them."""
    return {
        "leftovers_found": [], "leftovers_removed": [], "precleanup_error": None,
        "attempted": [], "created": [], "saved": False, "stage": "load", "error": None,
        "hresult": None, "rpc": None, "codes": [],
        "cleanup_ok": False, "cleanup_error": None, "leftovers": [], "events": [], "events_error": None,
    }


def _same(a: Any, b: Any) -> bool:
    return str(a or "").strip().lower() == str(b or "").strip().lower()


def _version_tuple(text: str) -> tuple[int, ...] | None:
    parts = text.strip().split(".")
    return tuple(int(p) for p in parts) if parts and all(p.isdigit() for p in parts) else None


def _computer_name(node: NodeState) -> str:
    return str(node.extra.get("computer_name") or node.name).upper()


def _service_running(node: NodeState, name: str = "ENTSSO") -> bool:
    svc = node.service(name)
    return svc is not None and svc.state.lower() == "running"


def _event_time(value: Any) -> str:
    """An event time as sortable UTC text (an unquoted YAML timestamp arrives as a datetime)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def acts_as_master_secret_server(node: NodeState) -> bool:
    """Whether a computer's own ENTSSO serves the secret: it decides so when it starts, and logs 10534 then.

    Its newest 10534 must not be older than its newest service start (10501/10611); a node whose scenario tells
    no event story at all is taken at its word (running is enough), as SSO010 reads the same events.
    """
    starts = [_event_time(e.time) for e in node.events if e.id in SERVICE_STARTS]
    mss = [_event_time(e.time) for e in node.events if e.id == IS_SECRET_SERVER]
    if not mss:
        return not starts
    return not starts or max(mss) >= max(starts)


def _blocked(farm: FarmState, source: str, target: str, port: int) -> bool:
    paths = {f"{source}->{target}:{port}".lower(), f"{source}->{target}".lower()}
    return any(str(entry).strip().lower() in paths for entry in farm.blocked)


def _unreachable(server: str, rpc: int) -> SsoFailure:
    text = f"{_hex(rpc)}, {RPC_TEXT[rpc]}"
    return SsoFailure(
        hresult=ENTSSO_E_NO_SSO_SERVER,
        rpc=rpc,
        message=f"{NO_SSO_SERVER.format(server=server)} (RPC: {_hex(rpc)}: {RPC_TEXT[rpc]})",
        secret_server=server,
        lost_secret_code=text,
        audit_code=text,
    )


def _online(state: Any) -> bool:
    return str(state or "").strip().lower() == "online"


def _cluster_host(farm: FarmState, name: str) -> tuple[bool, NodeState | None, int | None]:
    """(is a cluster network name, the owner node answering for it, RPC error when it does not answer)."""
    for doc in farm.clusters.values():
        groups = {str(k): dict(v or {}) for k, v in dict(doc.get("groups") or {}).items()}
        resources = {str(k): dict(v or {}) for k, v in dict(doc.get("resources") or {}).items()}
        node_states = doc.get("nodes") or {}
        if isinstance(node_states, list):
            node_states = dict.fromkeys(node_states, "Up")
        for res_name, res in resources.items():
            if str(res.get("type") or "").lower() != "network name":
                continue
            private = dict(res.get("private") or {})
            if not (_same(private.get("Name"), name) or _same(res_name, name)):
                continue
            group_name = str(res.get("group") or "")
            group = groups.get(group_name, {})
            owner_name = str(group.get("owner") or "")
            owner = farm.node(owner_name) if owner_name else None
            owner_up_in_cluster = any(_same(n, owner_name) and str(s or "Up").lower() == "up"
                                      for n, s in dict(node_states).items())
            if (owner is None or not owner.up or not owner_up_in_cluster or not _online(group.get("state", "Online"))
                    or not _online(res.get("state") or group.get("state", "Online"))):
                # The name is not online anywhere: nothing answers RPC for it.
                return True, None, RPC_S_SERVER_UNAVAILABLE
            # The name answers; the SSOSecretServer endpoint is registered only by a clustered ENTSSO that is online
            # in the same group with "Use Network Name for computer name" (UseNetworkName = 1).
            for other in resources.values():
                other_private = dict(other.get("private") or {})
                if (str(other.get("type") or "").lower() == "generic service"
                        and _same(other_private.get("ServiceName"), "ENTSSO")
                        and _same(other.get("group"), group_name)):
                    use_name = str(other_private.get("UseNetworkName", 0)).strip()
                    if (_online(other.get("state") or group.get("state", "Online")) and use_name == "1"
                            and _service_running(owner)):
                        return True, owner, None
            return True, None, RPC_S_NO_ENDPOINTS
    return False, None, None


def sso_failure(farm: FarmState, node: NodeState) -> SsoFailure | None:
    """Why SSO on ``node`` cannot encrypt new port configuration right now, or None when it can."""
    local = _computer_name(node)
    sql_server = node.registry.value(ENTSSO_SQL, "Server")
    sql_db = node.registry.value(ENTSSO_SQL, "Database")
    database = None
    for key, doc in farm.sso_databases.items():
        if _same(key, f"{sql_server}/{sql_db}"):
            database = doc
    if not _service_running(node) or database is None:
        # The local SSO server (where ExplorerOM's SSO client goes) is stopped, or could not have started without
        # a reachable SSO database (10511/10513): nobody answers RPC on this node. It writes no event either.
        failure = _unreachable(local, RPC_S_SERVER_UNAVAILABLE)
        return SsoFailure(failure.hresult, failure.rpc, failure.message)
    server = str(database.get("secret_server") or "")
    if not server or _blocked(farm, node.name, server, 135):
        return _unreachable(server or "(none)", RPC_S_SERVER_UNAVAILABLE)
    is_cluster_name, host, rpc = _cluster_host(farm, server)
    if not is_cluster_name:
        target = farm.node(server)
        if target is None:
            known = any(_same(name, server) for name in farm.dns)
            rpc = RPC_S_NO_ENDPOINTS if known else RPC_S_SERVER_UNAVAILABLE
        elif not target.up:
            rpc = RPC_S_SERVER_UNAVAILABLE
        elif not _service_running(target) or not acts_as_master_secret_server(target):
            # The computer answers RPC, but its ENTSSO (stopped, or started as a plain SSO server because the
            # database named someone else then) has no SSOSecretServer endpoint registered.
            rpc = RPC_S_NO_ENDPOINTS
        else:
            host = target
    if host is None:
        return _unreachable(server, rpc or RPC_S_SERVER_UNAVAILABLE)
    if not host.registry.subkeys(SSOSS):
        return SsoFailure(
            hresult=ENTSSO_E_NO_SECRET,
            rpc=None,
            message=NO_SECRET,
            secret_server=server,
            lost_secret_code=NO_SECRETS_IN_REGISTRY,
            audit_code=f"{_hex(ENTSSO_E_NO_SECRET)}, {NO_SECRET}",
        )
    return None


def _now(node: NodeState) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=node.clock_offset_s)


def _log_events(farm: FarmState, node: NodeState, failure: SsoFailure) -> list[Event]:
    """Append what the node's ENTSSO writes when an encryption fails (10532 then the 10536 audit)."""
    stamp = _now(node).strftime("%Y-%m-%dT%H:%M:%SZ")
    written: list[Event] = []
    if failure.lost_secret_code is not None:
        written.append(Event(10532, stamp, [failure.secret_server or "", failure.lost_secret_code], level="Warning"))
    if failure.audit_code is not None:
        domain = str((farm.farm.get("domain") or {}).get("netbios") or "LAB")
        written.append(Event(10536, stamp, [
            AUDIT_FUNCTION,
            str(uuid.uuid4()),
            f"{_computer_name(node)} (powershell.exe:{4000 + secrets.randbelow(4000)})",
            f"{domain}\\ssocheck",
            "{" + str(uuid.uuid4()) + "}",
            failure.audit_code,
        ], level="Warning"))
    node.events.extend(written)
    return written


def _port_lists(model: dict[str, Any]) -> tuple[list[str], list[str]]:
    ports = dict(model.get("ports") or {})
    return [str(p) for p in ports.get("receive") or []], [str(p) for p in ports.get("send") or []]


def _ours(names: list[str]) -> list[str]:
    return [n for n in names if n.upper().startswith(PREFIX)]


def _cleanup_fails(model: Mapping[str, Any], node: NodeState) -> bool:
    setting = model.get("cleanup_fails")
    if isinstance(setting, list):
        return any(_same(n, node.name) for n in setting)
    return bool(setting)


def _mgmt_db(node: NodeState, params: Mapping[str, Any]) -> tuple[str, str, str]:
    server, name = params.get("biztalk_mgmt_db_server"), params.get("biztalk_mgmt_db_name")
    if server and name:
        return str(server), str(name), "inventory"
    for key in ADMIN_KEYS:
        server, name = node.registry.value(key, "MgmtDBServer"), node.registry.value(key, "MgmtDBName")
        if server:
            break
    if not server or not name:
        raise EmulationError(NO_MGMT_DB)
    return str(server), str(name), "registry"


def port_lists(farm: FarmState) -> dict[str, list[str]]:
    """The management database's ports (a copy), for tests: ``{"receive": [...], "send": [...]}``."""
    with _LOCK:
        receive, send = _port_lists(farm.biztalk)
        return {"receive": receive, "send": send}


@emulates(
    "port_create_test",
    calls=('New-Object Microsoft.BizTalk.ExplorerOM.BtsCatalogExplorer', '.AddNewReceivePort', '.AddNewSendPort',),
)
def port_create_test(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """Run the port create test against the farm's management database (changes ``farm.biztalk``)."""
    server, db_name, source = _mgmt_db(node, params)
    version = None
    for key in PRODUCT_KEYS:
        version = version or node.registry.value(key, "ProductVersion")
    parsed = _version_tuple(str(version)) if version else None
    run_id = _now(node).strftime("%Y%m%dT%H%M%S") + "_" + secrets.token_hex(3)
    base = f"{PREFIX}{run_id}_{_computer_name(node)}"
    names = {"receive_port": base + "_RP", "receive_location": base + "_RL", "send_port": base + "_SP"}
    raw = _defaults()
    raw.update({
        "run_id": run_id,
        "prefix": PREFIX,
        "names": names,
        "mgmt_db": {"server": server, "name": db_name, "source": source},
        "biztalk_version": version,
        "process_bits": 64,
        "relaunched_32bit": bool(version) and (parsed is None or parsed < (3, 13)),
    })
    with _LOCK:
        model = farm.biztalk
        mgmt = dict(model.get("mgmt_db") or {})
        raw["stage"] = "connect"
        if not _same(server.split("\\")[0].split(",")[0], node.name) and not identity_of(params).can_delegate:
            # ExplorerOM opens the management database with Integrated Security as the WinRM logon: from a session
            # without delegable credentials (NTLM, Kerberos without delegation) that is a second hop, and SQL Server
            # sees an anonymous logon (MSSQLSERVER_18456; "Making the second hop in PowerShell Remoting").
            raw.update({"error": SQL_ANONYMOUS, "hresult": _hex(SQL_ERROR), "codes": [_hex(SQL_ERROR)],
                        "cleanup_ok": True})
            return raw
        if _blocked(farm, node.name, server, 1433) or not (_same(mgmt.get("server"), server)
                                                             and _same(mgmt.get("name"), db_name)):
            inner = (f'Cannot open database "{db_name}" requested by the login. The login failed.'
                     if not _blocked(farm, node.name, server, 1433) else
                     "A network-related or instance-specific error occurred while establishing a connection to "
                     "SQL Server. The server was not found or was not accessible.")
            raw.update({"error": inner, "hresult": _hex(SQL_ERROR), "codes": [_hex(SQL_ERROR)], "cleanup_ok": True})
            return raw
        receive, send = _port_lists(model)
        fails = _cleanup_fails(model, node)
        found = _ours(receive) + _ours(send)
        raw["leftovers_found"] = found
        if found:
            raw["stage"] = "precleanup"
            if fails:
                raw["precleanup_error"] = _invoke_error("SaveChanges", SQL_TIMEOUT)
            else:
                receive = [p for p in receive if p not in found]
                send = [p for p in send if p not in found]
                raw["leftovers_removed"] = found
        raw["stage"] = "create"
        raw["attempted"] = [names["receive_port"], names["send_port"]]
        raw["stage"] = "save"
        failure = sso_failure(farm, node)
        if failure is not None:
            # SaveChanges threw and DiscardChanges dropped the new ports: nothing reached the database.
            raw.update({
                "error": _invoke_error("SaveChanges", failure.message),
                "hresult": _hex(failure.hresult),
                "rpc": _hex(failure.rpc) if failure.rpc is not None else None,
                "codes": failure.codes(),
            })
            written = _log_events(farm, node, failure)
            raw["events"] = [{"id": e.id, "time": e.time, "strings": list(e.strings)} for e in reversed(written)]
        else:
            receive.append(names["receive_port"])
            send.append(names["send_port"])
            raw.update({"saved": True, "created": [names["receive_port"], names["send_port"]], "stage": "cleanup"})
        # finally: remove this run's ports, then list whatever carries the prefix.
        mine = [p for p in (names["receive_port"], names["send_port"]) if p in receive or p in send]
        if mine:
            if fails:
                raw["cleanup_error"] = _invoke_error("SaveChanges", SQL_TIMEOUT)
            else:
                receive = [p for p in receive if p not in mine]
                send = [p for p in send if p not in mine]
        raw["leftovers"] = _ours(receive) + _ours(send)
        raw["cleanup_ok"] = raw["cleanup_error"] is None and not raw["leftovers"]
        model["ports"] = {"receive": receive, "send": send}
        # Keep the scenario document in step so LabFarm.apply_overlay (which rebuilds from it) keeps the database.
        farm.document["biztalk"] = copy.deepcopy(model)
    return raw
