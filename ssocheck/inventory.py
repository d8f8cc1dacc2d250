"""The inventory: which nodes to check, in which roles, how to connect, and what to expect.

Parsing is strict: an unknown key, a missing field or a wrong type raises :class:`InventoryError`
naming the file and the field, so a typo never silently turns a check off. See README "Inventory".
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ssocheck import safeyaml
from ssocheck.errors import InventoryError
from ssocheck.kerberos_config import kerberos_options, node_spn_host
from ssocheck.model import ROLES, Expectations, Phase
from ssocheck.safeyaml import short
from ssocheck.secrets import Secret, password_from_env, password_from_file, password_from_prompt

# The inventory's JSON Schema is the one list of keys and allowed values: editors validate with it while an
# inventory is typed (``# yaml-language-server: $schema=...``, written by ``ssocheck init``), and this parser
# takes the known keys of every mapping and the enums from it, so the two cannot drift apart. The parser keeps
# its own one-line messages (``file: field: problem``) and the rules a schema cannot say (file modes, env vars).
SCHEMA_PATH = Path(__file__).parent / "schemas" / "inventory.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` (into ``$defs``) merged in."""
    while "$ref" in node:
        node = {**SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _schema_at(*keys: str) -> dict[str, Any]:
    """The schema of a nested mapping (``"nodes"`` descends into its items); ``$ref`` resolved."""
    node: dict[str, Any] = SCHEMA
    for key in keys:
        node = node["items"] if key == "[]" else node["properties"][key]
        node = _resolve(node)
    return node


TRANSPORTS: tuple[str, ...] = tuple(_schema_at("connection", "transport")["enum"])
SCHEMES: tuple[str, ...] = tuple(_schema_at("connection", "scheme")["enum"])
PHASES: tuple[str, ...] = tuple(_schema_at("phase")["enum"])
TOPOLOGIES: tuple[str, ...] = tuple(_schema_at("topology")["enum"])
DEFAULT_TOPOLOGY: str = _schema_at("topology")["default"]
NODE_NAME = re.compile(_schema_at("nodes", "[]", "name")["pattern"])
# sso.restore_operator: DOMAIN\user or user@dns.domain, no spaces around the separators.
RESTORE_OPERATOR = re.compile(
    r"^(?:[^\\@/\s][^\\@/]*\\[^\\@/\s][^\\@/]*"  # DOMAIN\user
    r"|[^\\@/\s]+@[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z0-9.-]+)$"  # user@dns.domain
)

# NODE_NAME (from the schema's "host"): a NetBIOS or DNS name, labels of letters, digits, '-'/'_' and dots between
# labels. Used with fullmatch, never match + "$" (which also accepts a trailing newline).
MAX_HOST_NAME = 253  # RFC 1035 name length


def valid_host_name(name: str) -> bool:
    """True for a NetBIOS/DNS host name: labels of letters, digits, ``-``/``_``, 1-63 characters each."""
    return len(name) <= MAX_HOST_NAME and NODE_NAME.fullmatch(name) is not None


def address_problem(address: str) -> str | None:
    """Why ``address`` is not a host name or an IP literal (no scheme, port, path, user or spaces), else None."""
    import ipaddress

    candidate = address[1:-1] if address.startswith("[") and address.endswith("]") else address
    try:
        ipaddress.ip_address(candidate)
        return None
    except ValueError:
        pass
    if valid_host_name(address):
        return None
    return ("must be a host name or an IP address only (no scheme, port, path, user name or spaces; "
            "the port goes in 'port')")


@dataclass(frozen=True)
class Connection:
    """How to reach the nodes over WinRM. The password itself is resolved later, on demand."""

    transport: str = "ntlm"
    scheme: str = "https"
    port: int | None = None
    username: str = ""
    password_env: str | None = None
    password_file: Path | None = None
    ca_bundle: Path | None = None
    verify_tls: bool = True
    allow_basic_over_http: bool = False
    operation_timeout: int = 20
    read_timeout: int = 30
    node_timeout: float = 120.0
    # After the first node rejects the credentials, do not try them on the others (AD account lockout).
    stop_after_auth_failure: bool = True
    # Kerberos / CredSSP (see ssocheck/kerberos_config.py and README "Kerberos and CredSSP").
    principal: str | None = None  # user@REALM the Kerberos ticket is for (mapped from username when not given)
    credential_cache: str | None = None  # use the ticket in this cache (copied; the cache itself is not touched)
    keytab: Path | None = None  # get the ticket with this client keytab instead of a password
    delegation: bool = False  # kerberos: forward the ticket (only useful to nodes trusted for delegation)
    credssp_auth: str = "kerberos"  # the authentication inside CredSSP: kerberos | ntlm (never a silent fallback)

    @property
    def needs_password(self) -> bool:
        """False when Kerberos gets its ticket from a keytab or an existing credential cache."""
        return not (self.transport == "kerberos" and (self.credential_cache or self.keytab))

    @property
    def effective_port(self) -> int:
        """The configured port, or the WinRM default for the scheme."""
        return self.port or (5986 if self.scheme == "https" else 5985)


@dataclass(frozen=True)
class Node:
    """One server to check."""

    name: str
    roles: tuple[str, ...]
    address: str
    port: int | None = None
    spn_host: str | None = None  # kerberos: host part of the service principal HTTP/<spn_host> (default: address)


@dataclass(frozen=True)
class Inventory:
    """A parsed inventory file."""

    path: Path
    expect: Expectations
    connection: Connection
    nodes: tuple[Node, ...]
    phase: Phase | None = None
    allow_changes: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def node(self, name: str) -> Node:
        """The node called ``name`` (case-insensitive)."""
        for node in self.nodes:
            if node.name.lower() == name.lower():
                return node
        raise InventoryError(f"no node named {short(name)}", source=str(self.path), field="nodes")

    def password(self, prompt: Any = None) -> Secret:
        """Resolve the connection password from env, file or prompt (never from the inventory text)."""
        src = str(self.path)
        conn = self.connection
        if not conn.needs_password:
            return Secret("")  # the ticket comes from the keytab or credential cache
        if conn.password_env:
            return password_from_env(conn.password_env, src)
        if conn.password_file:
            return password_from_file(conn.password_file, src)
        return password_from_prompt(conn.username, src, prompt)


class _Reader:
    """Typed access to a YAML mapping that reports errors as ``file: field: problem``."""

    def __init__(self, source: str, data: Any, prefix: str = "", schema: dict[str, Any] | None = None) -> None:
        self.source = source
        self.prefix = prefix
        self.schema = schema  # this mapping's schema: its ``properties`` are the known keys
        if not isinstance(data, dict):
            raise InventoryError("must be a mapping", source=source, field=prefix or None)
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, problem: str) -> InventoryError:
        return InventoryError(problem, source=self.source, field=self.path(key))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = False) -> Any:
        self.used.add(key)
        if key not in self.data or self.data[key] is None:
            if required or default is ...:
                raise self.error(key, "is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, str):
            raise self.error(key, f"must be a {kind.__name__}, not a boolean")
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"must be a {names}, got {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise self.error(key, "must not be empty")
        return value

    def sub(self, key: str, required: bool = False) -> _Reader:
        value = self.get(key, dict, required=required, default={})
        sub_schema = None
        if self.schema is not None:
            sub_schema = _resolve(self.schema["properties"][key])
        return _Reader(self.source, value, self.path(key), sub_schema)

    def finish(self) -> None:
        known = set(self.schema["properties"]) if self.schema is not None else self.used
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise self.error(unknown[0], "unknown key (typo?)")


def _connection(r: _Reader, base: Path, domain: tuple[str | None, str | None] = (None, None)) -> Connection:
    if "password" in r.data:
        raise r.error("password", "passwords are never written in the inventory; use password_env, "
                                  "password_file or the interactive prompt")
    transport = r.get("transport", str, "ntlm").lower()
    if transport not in TRANSPORTS:
        raise r.error("transport", f"must be one of {', '.join(TRANSPORTS)}")
    scheme = r.get("scheme", str, "https").lower()
    if scheme not in SCHEMES:
        raise r.error("scheme", "must be http or https")
    port = r.get("port", int, None)
    if port is not None and not 0 < port < 65536:
        raise r.error("port", "must be between 1 and 65535")
    pw_file = r.get("password_file", str, None)
    ca = r.get("ca_bundle", str, None)
    krb = kerberos_options(r, transport, base, domain)
    conn = Connection(
        transport=transport,
        scheme=scheme,
        port=port,
        username=krb.username,
        password_env=r.get("password_env", str, None),
        password_file=(base / pw_file) if pw_file else None,
        ca_bundle=(base / ca) if ca else None,
        verify_tls=r.get("verify_tls", bool, True),
        allow_basic_over_http=r.get("allow_basic_over_http", bool, False),
        operation_timeout=r.get("operation_timeout", int, 20),
        read_timeout=r.get("read_timeout", int, 30),
        node_timeout=float(r.get("node_timeout", (int, float), 120)),
        stop_after_auth_failure=r.get("stop_after_auth_failure", bool, True),
        principal=krb.principal,
        credential_cache=krb.credential_cache,
        keytab=krb.keytab,
        delegation=krb.delegation,
        credssp_auth=krb.credssp_auth,
    )
    if (conn.credential_cache or conn.keytab) and (conn.password_env or conn.password_file):
        raise r.error("credential_cache" if conn.credential_cache else "keytab",
                      "give one credential source: a keytab or credential_cache, or a password, not both")
    if conn.password_env and conn.password_file:
        raise r.error("password_file", "give either password_env or password_file, not both")
    for key in ("operation_timeout", "read_timeout", "node_timeout"):
        value = getattr(conn, key)
        # NaN compares false with everything: `not value > 0` refuses it too (a NaN deadline never fires).
        if not (value > 0 and math.isfinite(value)):
            raise r.error(key, "must be a positive number of seconds")
    if conn.read_timeout <= conn.operation_timeout:
        raise r.error("read_timeout", "must be greater than operation_timeout (pywinrm requires it)")
    if conn.transport == "basic" and conn.scheme == "http" and not conn.allow_basic_over_http:
        raise r.error("transport", "basic over plain http sends the password in clear text; use https, "
                                   "or set allow_basic_over_http: true if you really mean it")
    r.finish()
    return conn


def _nodes(source: str, raw: Any, transport: str = "ntlm") -> tuple[Node, ...]:
    if not isinstance(raw, list) or not raw:
        raise InventoryError("must be a non-empty list", source=source, field="nodes")
    nodes: list[Node] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        r = _Reader(source, item, f"nodes[{i}]", _schema_at("nodes", "[]"))
        name = r.get("name", str, required=True)
        if not valid_host_name(name):
            raise r.error("name", f"{short(name)} is not a valid host name (letters, digits, '-', dots between "
                                  f"labels of at most 63 characters, {MAX_HOST_NAME} in all)")
        if name.lower() in seen:
            raise r.error("name", f"duplicate node {short(name)}")
        seen.add(name.lower())
        roles_raw = r.get("roles", (list, str), required=True)
        roles = tuple([roles_raw] if isinstance(roles_raw, str) else roles_raw)
        bad = [role for role in roles if role not in ROLES]
        if bad or not roles:
            raise r.error("roles", f"unknown role {short(bad[0]) if bad else repr('')}; use {', '.join(ROLES)}")
        port = r.get("port", int, None)
        if port is not None and not 0 < port < 65536:
            raise r.error("port", "must be between 1 and 65535")
        address = r.get("address", str, name)
        problem = address_problem(address)
        if problem:
            raise r.error("address", f"{short(address)}: {problem}")
        spn_host = node_spn_host(r, transport)
        nodes.append(Node(name=name, roles=roles, address=address, port=port, spn_host=spn_host))
        r.finish()
    return tuple(nodes)


def _restore_operator(sso: _Reader) -> str | None:
    """``sso.restore_operator``: a domain account, ``DOMAIN\\user`` or ``user@dns.domain`` (SSO014 logs it on
    with S4U on each cluster node, which needs a domain account: a local one would be another account per node)."""
    raw: str | None = sso.get("restore_operator", str, None)
    if raw is None:
        return None
    value = raw.strip()
    if not RESTORE_OPERATOR.match(value):
        raise sso.error("restore_operator", f"{value!r} is not a domain account (DOMAIN\\user or user@dns.domain)")
    return value


def _mss_names(r: _Reader, topology: str) -> tuple[str, str | None]:
    """(the master secret server's name after the move, the standby SSO server or None) for ``topology``.

    Clustered: the cluster network name. Standalone: ``standalone.server``, which the checks then use wherever
    they expect the post-move name (SSO database, BizTalk nodes' secret source, endpoint reachability); a
    ``cluster_network_name`` there would name a second MSS, so it is refused (as the schema's ``allOf`` says).
    """
    if topology != "standalone":
        if "standalone" in r.data:
            raise r.error("standalone", f"only with topology standalone (this inventory's is {topology})")
        return r.get("cluster_network_name", str, required=True), None
    if "cluster_network_name" in r.data:
        raise r.error("cluster_network_name", "not used with topology standalone: the master secret server is "
                                              "standalone.server")
    if "standalone" not in r.data:
        raise r.error("standalone", "is required with topology standalone (server: the master secret server)")
    standalone = r.sub("standalone", required=True)
    names = []
    for key, required in (("server", True), ("standby", False)):
        name = standalone.get(key, str, required=required, default=None)
        if name is not None and not valid_host_name(name):
            raise standalone.error(key, f"{short(name)} is not a valid host name")
        names.append(name)
    standalone.finish()
    server, standby = names
    if standby is not None and standby.lower() == server.lower():
        raise standalone.error("standby", "must be another server than standalone.server")
    return server, standby


def _check_topology_roles(source: str, nodes: tuple[Node, ...], expect: Expectations) -> None:
    """The roles the topology needs: a clustered MSS has sso-cluster nodes (on a SQL cluster they are SQL nodes
    too); a standalone one has none, and its server and standby are inventory nodes with the role sso-server."""
    def bad(i: int, problem: str) -> InventoryError:
        return InventoryError(problem, source=source, field=f"nodes[{i}].roles")

    topology = expect.topology
    for i, node in enumerate(nodes):
        if topology == "standalone" and "sso-cluster" in node.roles:
            raise bad(i, f"{node.name}: sso-cluster, but topology standalone has no master secret server cluster "
                         "(the master secret server and its standby have the role sso-server)")
        if topology != "standalone" and "sso-server" in node.roles:
            raise bad(i, f"{node.name}: sso-server is the role of a standalone master secret server or its standby "
                         f"(topology standalone; this inventory's is {topology})")
        if topology == "sql-cluster" and "sso-cluster" in node.roles and "sql" not in node.roles:
            raise bad(i, f"{node.name}: with topology sql-cluster the cluster nodes are the SQL Server cluster's "
                         "nodes: give them both roles, sso-cluster and sql")
    if topology != "standalone":
        if not any("sso-cluster" in n.roles for n in nodes):
            raise InventoryError("no node has the role sso-cluster", source=source, field="nodes")
        return
    for key, name in (("server", expect.cluster_network_name), ("standby", expect.standby_sso_server)):
        if name is None:
            continue
        match = [n for n in nodes if n.name.lower() == name.lower()]
        if not match or "sso-server" not in match[0].roles:
            raise InventoryError(f"{short(name)} must be an inventory node with the role sso-server",
                                 source=source, field=f"standalone.{key}")
    others = [n.name for n in nodes if "sso-server" in n.roles
              and n.name.lower() not in {(expect.cluster_network_name or "").lower(),
                                         (expect.standby_sso_server or "").lower()}]
    if others:
        raise InventoryError(f"{others[0]} has the role sso-server but is neither standalone.server nor "
                             "standalone.standby", source=source, field="nodes")


def parse_inventory(data: Any, path: Path) -> Inventory:
    """Build an Inventory from already-loaded YAML data; ``path`` is used in errors and relative paths."""
    source = str(path)
    r = _Reader(source, data, schema=SCHEMA)
    sso = r.sub("sso", required=True)
    db = sso.sub("database", required=True)
    domain = r.sub("domain")
    biztalk = r.sub("biztalk")
    mgmt = biztalk.sub("management_database")
    msgbox = biztalk.sub("messagebox_database")
    topology = r.get("topology", str, DEFAULT_TOPOLOGY)
    if topology not in TOPOLOGIES:
        raise r.error("topology", f"{short(topology)} is not a topology; use {', '.join(TOPOLOGIES)}")
    mss_name, standby = _mss_names(r, topology)
    expect = Expectations(
        group=r.get("group", str, required=True),
        cluster_network_name=mss_name,
        master_secret_server=r.get("master_secret_server", str, required=True),
        sso_service_account=sso.get("service_account", str, required=True),
        biztalk_sso_service_account=sso.get("biztalk_service_account", str, None),
        sso_db_server=db.get("server", str, required=True),
        sso_db_name=db.get("name", str, "SSODB"),
        domain_netbios=domain.get("netbios", str, None),
        domain_dns=domain.get("dns", str, None),
        max_clock_skew_seconds=r.get("max_clock_skew_seconds", int, 60),
        biztalk_mgmt_db_server=mgmt.get("server", str, None),
        biztalk_mgmt_db_name=mgmt.get("name", str, None),
        restore_operator=_restore_operator(sso),
        topology=topology,
        standby_sso_server=standby,
        messagebox_db_server=msgbox.get("server", str, required=bool(msgbox.data)) if msgbox.data else None,
        messagebox_db_name=msgbox.get("name", str, None),
    )
    msgbox.finish()
    mgmt.finish()
    biztalk.finish()
    db.finish()
    sso.finish()
    domain.finish()
    phase_raw = r.get("phase", str, None)
    try:
        if phase_raw and phase_raw not in PHASES:
            raise ValueError(phase_raw)
        phase = Phase(phase_raw) if phase_raw else None
    except ValueError:
        raise r.error("phase", "must be pre, post or nightly") from None
    domain_names = (expect.domain_netbios, expect.domain_dns)
    connection = _connection(r.sub("connection", required=True), path.parent, domain_names)
    nodes = _nodes(source, r.get("nodes", list, required=True), connection.transport)
    _check_topology_roles(source, nodes, expect)
    expect = dataclasses.replace(
        expect,
        biztalk_nodes=tuple(n.name for n in nodes if "biztalk" in n.roles),
        sso_cluster_nodes=tuple(n.name for n in nodes if "sso-cluster" in n.roles),
    )
    allow_changes = r.get("allow_changes", bool, False)
    extra = r.get("lab", dict, {})  # written by `ssocheck lab serve`; informational only
    r.finish()
    return Inventory(path, expect, connection, nodes, phase, allow_changes, extra)


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate an inventory YAML file."""
    p = Path(path)
    try:
        data = safeyaml.loads(safeyaml.read_text(p))
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror}", source=str(p)) from exc
    except safeyaml.YamlLimitError as exc:
        raise InventoryError(str(exc), source=str(p)) from exc
    except yaml.YAMLError as exc:
        raise InventoryError(safeyaml.describe(exc), source=str(p)) from exc
    return parse_inventory(data, p)
