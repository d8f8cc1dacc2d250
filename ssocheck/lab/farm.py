"""A running simulated farm: scenario state + one loopback WinRM endpoint per node + the PowerShell host.

Typical use (tests, ``ssocheck lab serve``)::

    with LabFarm("healthy-post") as farm:          # starts the endpoints
        inventory = farm.write_inventory(tmp / "inventory.yml")
        ...  # ssocheck run -i inventory, or the Python API
        assert farm.commands("NODE1") == 1

A node with ``up: false`` gets a port that was bound and closed again, so connecting to it is refused, like a
powered-off server. The lab account is ``LAB\\ssocheck`` with a random password, written only to a 0600 file beside
the inventory.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import yaml

from ssocheck import safeyaml
from ssocheck.lab.endpoint import EndpointConfig, LabEndpoints, NodeLimits
from ssocheck.lab.gssauth import KerberosNode
from ssocheck.lab.powershell import PowerShellHost
from ssocheck.lab.session import SessionIdentity, identity_for
from ssocheck.lab.shells import CommandResult
from ssocheck.lab.state import FarmState, ScenarioError, build_farm, check_keys, deep_merge, load_scenario

log = logging.getLogger(__name__)

LAB_USER = "LAB\\ssocheck"
# Random, never written in the repository, and the same for every farm of this process: pyspnego's NTLM_USER_FILE
# is process-wide and holds one password per account, so farms that are alive at the same time (a module-scoped
# farm plus a per-test one) must agree on it. Pass ``password=`` for a farm-specific one.
_PROCESS_PASSWORD = secrets.token_urlsafe(18)
# Small enough that a hung lab fails a test quickly, and operation < read as pywinrm requires.
OPERATION_TIMEOUT = 5
READ_TIMEOUT = 10
NODE_TIMEOUT = 30
UAC_POLICY_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only its owner can read, created with that mode (never briefly world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed


def _read_overlay(overlay: Path | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(overlay, Mapping):
        check_keys(overlay, "overlay")
        return dict(overlay)
    try:
        doc = safeyaml.loads(safeyaml.read_text(Path(overlay))) or {}
    except (OSError, yaml.YAMLError, safeyaml.YamlLimitError) as exc:
        raise ScenarioError(f"{overlay}: cannot read overlay: {exc}") from exc
    if not isinstance(doc, dict):
        raise ScenarioError(f"{overlay}: an overlay must be a mapping")
    check_keys(doc, str(overlay))
    return doc


class LabFarm:
    """The simulated farm of one scenario, served over WinRM on loopback. A context manager (``start``/``close``).

    ``scheme`` is ``http`` (NTLM with MS-WSMV message encryption, as Windows requires by default) or ``https``
    (a throwaway CA in ``workdir``; NTLM with channel binding). ``auth`` may add ``"basic"``. ``workdir`` holds the
    TLS material (a temporary directory, removed on close, when not given). ``overlay`` is deep-merged onto the
    scenario. ``username``/``password`` default to ``LAB\\ssocheck`` and a random password shared by the farms
    of this process; two farms alive at once must not give the same account different passwords (the NTLM user
    file is process-wide: :meth:`start` raises ValueError).
    """

    def __init__(
        self,
        scenario: str | FarmState,
        *,
        scheme: Literal["http", "https"] = "http",
        auth: Iterable[str] = ("ntlm",),
        workdir: Path | None = None,
        overlay: Path | None = None,
        username: str = LAB_USER,
        password: str | None = None,
    ) -> None:
        """Load the scenario (nothing listens until :meth:`start`)."""
        if isinstance(scenario, FarmState):
            state = scenario
            if overlay is not None:
                state = build_farm(deep_merge(state.document, _read_overlay(overlay)), state.name)
        else:
            state = load_scenario(scenario, overlay)
        if scheme not in ("http", "https"):
            raise ValueError(f"scheme must be http or https, not {scheme!r}")
        self.scheme = scheme
        self.auth = frozenset(auth)
        self.username = username
        self.password = password or _PROCESS_PASSWORD
        self.host = PowerShellHost(state)
        self._own_workdir = workdir is None
        self._workdir = workdir
        self._ca_cert: str | None = None
        self._endpoints: LabEndpoints | None = None
        self._ports: dict[str, int] = {}
        self._listening: set[str] = set()
        self._lock = threading.Lock()  # guards _ports/_listening and state swaps against each other
        self._stopped = threading.Event()
        self._sessions: dict[str, list[SessionIdentity]] = {}

    # -- lifecycle -------------------------------------------------------------------------------------------

    @property
    def state(self) -> FarmState:
        """The scenario state being served (replaced by :meth:`apply_overlay`)."""
        return self.host.state

    @property
    def workdir(self) -> Path:
        """Directory with the farm's TLS material (created on :meth:`start`)."""
        if self._workdir is None:
            raise RuntimeError("the farm is not started")
        return self._workdir

    @property
    def ca_cert(self) -> str | None:
        """PEM file of the lab CA (https only): what a client must trust."""
        return self._ca_cert

    def start(self) -> LabFarm:
        """Create the endpoints: one listening port per node (a refused one for nodes that are down)."""
        if self._endpoints is not None:
            return self
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="ssocheck-farm-"))
        endpoints: LabEndpoints | None = None
        try:
            self._workdir.mkdir(parents=True, exist_ok=True)
            certfile = keyfile = None
            if self.scheme == "https":
                from ssocheck.lab.certs import generate_lab_certificates

                certs = generate_lab_certificates(self._workdir / "tls")
                certfile, keyfile, self._ca_cert = certs.cert, certs.key, certs.ca_cert
            config = EndpointConfig(
                scheme=self.scheme,
                auth=self.auth,
                # A farm offering Basic over HTTP models Windows with Basic=true AND AllowUnencrypted=true, the only
                # configuration in which Windows accepts it (unsealed NTLM is then accepted too, as on Windows).
                allow_unencrypted=self.scheme == "http" and "basic" in self.auth,
                users={self.username: self.password},
                certfile=certfile,
                keyfile=keyfile,
                receive_wait_seconds=min(5.0, OPERATION_TIMEOUT),
                kerberos_node=self.kerberos_node if "kerberos" in self.auth else None,
                node_limits=self.node_limits,
                authorize=self.authorize,
                reads_stdin=self.host.reads_stdin,
            )
            endpoints = LabEndpoints(config, self._handle)
            endpoints.start()
            with self._lock:
                for node in self.state.iter_nodes():
                    self._add(endpoints, node.name, node.up)
        except BaseException:
            # A failed start leaves nothing behind: __exit__ does not run when __enter__ raised.
            if endpoints is not None:
                endpoints.close()
            self.close()
            raise
        self._endpoints = endpoints
        self._stopped.clear()
        log.info("lab farm %s (%s) serving %d nodes", self.state.name, self.scheme, len(self._ports))
        return self

    def _handle(
        self, node: str, command: str, arguments: str, stdin: bytes, identity: SessionIdentity
    ) -> CommandResult:
        """The endpoint's command handler: remember who ran the command, then let the PowerShell host answer."""
        with self._lock:
            self._sessions.setdefault(node.upper(), []).append(identity)
        return self.host(node, command, arguments, stdin, identity)

    def node_limits(self, node: str) -> NodeLimits:
        """The node's WinRM quotas from its Windows version: 2008 R2 (6.1) has WinRM 2.0's 150 KB / 5 shells."""
        state = self.state.node(node)
        if state is None:
            return NodeLimits()
        version = tuple(int(p) for p in [*state.os_version.split("."), "0", "0"][:2] if p.isdigit())
        return NodeLimits(150, 5) if version < (6, 2) else NodeLimits()

    def authorize(self, node: str, identity: SessionIdentity) -> bool:
        """Whether the session's account may use WinRM on ``node``: only a local administrator may (the default
        RootSDDL; Remote Management Users is not modelled). Scenario: ``farm.operator_local_admin`` (default
        true), overridden per node by ``nodes.<N>.operator_local_admin``. A local account (``.\\user``) of the node
        is refused unless the node's LocalAccountTokenFilterPolicy is 1 (UAC remote restrictions)."""
        state = self.state.node(node)
        if state is None:
            return False
        default = bool(self.state.farm.get("operator_local_admin", True))
        admin = bool(state.extra.get("operator_local_admin", default))
        if admin and identity.local_account and not identity.principal.lower().endswith("\\administrator"):
            # UAC remote restrictions: a local account other than the built-in Administrator logs on over the network
            # with a filtered token (no Administrators), so WinRM denies it, unless LocalAccountTokenFilterPolicy is 1
            # (learn.microsoft.com, "User Account Control and remote restrictions"; about_Remote_Troubleshooting).
            policy = state.registry.value(UAC_POLICY_KEY, "LocalAccountTokenFilterPolicy")
            return str(policy) == "1"
        return admin

    def inventory_username(self) -> str:
        """The account the inventory names: the lab account, or with ``farm.winrm_account: local`` its ``.\\user``
        form, which every node authenticates as its own local account of that name (same password)."""
        if str(self.state.farm.get("winrm_account") or "domain") == "local":
            return ".\\" + self.username.rpartition("\\")[2]
        return self.username

    def session_identity(self, node: str, mechanism: str = "ntlm") -> SessionIdentity:
        """The identity a session of the inventory's account gets on ``node`` (tests: who may use WinRM there)."""
        return identity_for(self.inventory_username(), mechanism, node=node)

    def identities(self, node: str) -> list[SessionIdentity]:
        """Who each remote command of ``node`` ran as (principal, mechanism, can delegate), oldest first."""
        with self._lock:
            return list(self._sessions.get(node.upper(), []))

    def _add(self, endpoints: LabEndpoints, name: str, up: bool) -> None:
        """Bind ``name`` (on its previous port if it had one); a node that is down is bound and closed at once."""
        self._ports[name] = endpoints.add_node(name, self._ports.get(name, 0))
        self._listening.add(name)
        if not up:
            endpoints.stop_node(name)
            self._listening.discard(name)

    def close(self) -> None:
        """Stop every endpoint and remove the temporary workdir. Idempotent."""
        endpoints, self._endpoints = self._endpoints, None
        if endpoints is not None:
            endpoints.close()
        with self._lock:
            self._listening.clear()  # ports are remembered: a restarted farm binds the same ones again
        if self._own_workdir and self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
            self._ca_cert = None
        self._stopped.set()

    def __enter__(self) -> LabFarm:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def wait(self, poll_seconds: float = 0.5) -> None:
        """Block until Ctrl-C (KeyboardInterrupt, swallowed) or :meth:`close` from another thread."""
        try:
            # Sleep and look, rather than Event.wait: a KeyboardInterrupt that lands inside Condition.wait's lock
            # juggling leaves the Event's lock un-owned ("cannot wait on un-acquired lock") and the loop hanging;
            # time.sleep holds no lock, and is_set() takes none.
            while not self._stopped.is_set():
                time.sleep(poll_seconds)
        except KeyboardInterrupt:
            log.info("lab farm %s interrupted", self.state.name)

    def spn_host(self, node: str) -> str:
        """The host name of ``node``'s service principal: ``<name>.<domain dns>`` in lower case, like AD's."""
        dns = str((self.state.farm.get("domain") or {}).get("dns") or "")
        return f"{node}.{dns}".lower() if dns else node.lower()

    def kerberos_node(self, node: str) -> KerberosNode:
        """What ``node``'s Kerberos acceptor knows about itself, from the CURRENT scenario state.

        SPNs as AD registers them for a computer (HTTP/<name>, HTTP/<fqdn>), plus the loopback address the lab's
        inventory uses (CredSSP cannot override the SPN host, see README "Kerberos and CredSSP").
        """
        state = self.state.node(node)
        names = {node.lower(), self.spn_host(node), "127.0.0.1", "localhost"}
        return KerberosNode(
            spns=frozenset(f"http/{n}" for n in names),
            clock_offset_s=state.clock_offset_s if state else 0.0,
            trusted_for_delegation=bool(state and state.trusted_for_delegation),
        )

    # -- nodes and counters -------------------------------------------------------------------------------------

    def _running(self) -> LabEndpoints:
        if self._endpoints is None:
            raise RuntimeError("the farm is not started")
        return self._endpoints

    def port(self, node: str) -> int:
        """The loopback port of ``node`` (refusing connections when the node is down)."""
        self._running()
        return self._ports[self._name(node)]

    def url(self, node: str) -> str:
        """The WS-Management URL of ``node``."""
        return f"{self.scheme}://127.0.0.1:{self.port(node)}/wsman"

    def _name(self, node: str) -> str:
        for name in self._ports:
            if name.lower() == node.lower():
                return name
        raise KeyError(f"no node {node!r} in lab farm {self.state.name}")

    def commands(self, node: str) -> int:
        """Remote commands the client started on ``node`` (WS-Management Command operations) since the reset."""
        return self._running().counters(self._name(node)).commands

    def open_shells(self, node: str) -> int:
        """Shells open on ``node`` now: created and not deleted (MaxShellsPerUser counts these)."""
        return self._running().open_shells(self._name(node))

    def http_requests(self, node: str) -> int:
        """HTTP requests ``node`` received (handshakes included) since the last reset."""
        return self._running().counters(self._name(node)).http_requests

    def reset_counters(self) -> None:
        """Zero the traffic and command counters of every node."""
        self._running().reset_counters()
        self.host.reset_counters()

    def stop_node(self, name: str) -> None:
        """Power ``name`` off: its port refuses connections from now on (the state keeps ``up`` as it was)."""
        endpoints = self._running()
        with self._lock:
            real = self._name(name)
            if real in self._listening:
                endpoints.stop_node(real)
                self._listening.discard(real)

    def apply_overlay(self, overlay: Path | str | Mapping[str, Any]) -> FarmState:
        """Change the running farm (drift tests): deep-merge ``overlay`` onto the current state and serve that.

        Overlays accumulate. Nodes keep their ports; a node whose ``up`` changes is powered off or on; a new node
        gets a new port (write the inventory again to use it); a removed node stops listening.
        """
        endpoints = self._running()
        current = self.state
        new = build_farm(deep_merge(current.document, _read_overlay(overlay)), current.name)
        with self._lock:
            self.host.state = new
            for node in new.iter_nodes():
                if node.name not in self._ports:
                    self._add(endpoints, node.name, node.up)
                elif node.up and node.name not in self._listening:
                    self._add(endpoints, node.name, True)
                elif not node.up and node.name in self._listening:
                    endpoints.stop_node(node.name)
                    self._listening.discard(node.name)
            for name in list(self._listening):
                if new.node(name) is None:
                    endpoints.stop_node(name)
                    self._listening.discard(name)
        return new

    # -- inventory ---------------------------------------------------------------------------------------------------

    def inventory_document(
        self, password_file: str, ca_bundle: str | None = None, transport: str | None = None
    ) -> dict[str, Any]:
        """The inventory (as data) for the running farm; file names are relative to the inventory's folder.

        ``transport`` defaults to ntlm (or basic when the farm speaks only Basic); with ``kerberos`` every node
        gets its ``spn_host`` (the inventory's address is the loopback IP, which is not the node's name).
        """
        self._running()
        state = self.state
        farm = state.farm
        sso: dict[str, Any] = {
            "service_account": farm["sso_service_account"],
            "database": {"server": farm["sso_db"]["server"], "name": farm["sso_db"].get("name", "SSODB")},
        }
        if farm.get("biztalk_sso_service_account"):
            sso["biztalk_service_account"] = farm["biztalk_sso_service_account"]
        if farm.get("restore_operator"):
            sso["restore_operator"] = farm["restore_operator"]
        transport = transport or ("ntlm" if "ntlm" in self.auth else "basic")
        connection: dict[str, Any] = {
            "transport": transport,
            "scheme": self.scheme,
            "username": self.inventory_username(),
            "password_file": password_file,
            "operation_timeout": OPERATION_TIMEOUT,
            "read_timeout": READ_TIMEOUT,
            "node_timeout": NODE_TIMEOUT,
        }
        if ca_bundle:
            connection["ca_bundle"] = ca_bundle
        if transport == "basic" and self.scheme == "http":
            connection["allow_basic_over_http"] = True
        doc: dict[str, Any] = {
            "group": farm["group"],
            "cluster_network_name": farm["cluster_network_name"],
            "master_secret_server": farm["master_secret_server"],
            "sso": sso,
        }
        # farm.topology (issue 16): written only when a scenario sets it, so the existing scenarios' inventories stay
        # as they were (the default, dedicated-cluster). A standalone farm's MSS is farm.standalone.server, which
        # is also its cluster_network_name in the farm (the name the SSO database and the BizTalk nodes use).
        if farm.get("topology"):
            doc["topology"] = farm["topology"]
        if farm.get("messagebox_db"):
            doc["biztalk"] = {"messagebox_database": dict(farm["messagebox_db"])}
        if farm.get("topology") == "standalone":
            del doc["cluster_network_name"]
            doc["standalone"] = dict(farm["standalone"])
        if farm.get("phase"):
            doc["phase"] = farm["phase"]
        domain = farm.get("domain") or {}
        # ``inventory_domain: false``: the farm's AD domain exists, but the inventory has no domain block
        # (the user wrote accounts as UPNs and left it out).
        if domain and farm.get("inventory_domain", True):
            doc["domain"] = {k: domain[k] for k in ("netbios", "dns") if domain.get(k)}
        if farm.get("allow_changes"):
            doc["allow_changes"] = True
        if farm.get("max_clock_skew_seconds") is not None:
            doc["max_clock_skew_seconds"] = farm["max_clock_skew_seconds"]
        doc["connection"] = connection
        doc["nodes"] = [
            {"name": node.name, "address": "127.0.0.1", "port": self._ports[node.name], "roles": list(node.roles)}
            for node in state.iter_nodes()
        ]
        if transport == "kerberos":
            for entry in doc["nodes"]:
                entry["spn_host"] = self.spn_host(entry["name"])
        doc["lab"] = {"scenario": state.name, "description": state.description}
        return doc

    @staticmethod
    def inventory_files(path: Path) -> list[Path]:
        """The files :meth:`write_inventory` writes for ``path``: the inventory, its password file, the CA."""
        path = Path(path)
        return [path, path.with_name(f"{path.stem}.password"), path.with_name(f"{path.stem}-ca.pem")]

    def write_inventory(self, path: Path, transport: str | None = None) -> Path:
        """Write an inventory for ``ssocheck run -i`` plus its 0600 password file (and the CA for https) beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        password_file = path.with_name(f"{path.stem}.password")
        _write_private(password_file, self.password + "\n")
        ca_name = None
        if self._ca_cert is not None:
            ca_name = f"{path.stem}-ca.pem"
            shutil.copyfile(self._ca_cert, path.with_name(ca_name))
        doc = self.inventory_document(password_file.name, ca_name, transport)
        header = (
            f"# ssocheck lab inventory for scenario {self.state.name} ({self.scheme}); written by the lab, valid\n"
            "# while the lab runs. The password itself is only in the 0600 file named below.\n"
        )
        text = header + yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=120)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return path
