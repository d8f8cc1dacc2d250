"""``ssocheck init``: write a commented inventory from answers, optionally proposed by one cluster node.

An administrator who has never written YAML gets a file that explains itself, that an editor validates while it
is edited (the ``yaml-language-server`` line names the shipped JSON Schema), and that ``ssocheck doctor`` can use
at once. The file is checked with the real inventory parser before and after it is written, is created only if
it does not exist yet (never overwritten), and is private (0600): it names the farm's servers and accounts.

``--discover NODE`` asks that one cluster node for its cluster with the ``cluster`` fact's own probe (one
read-only command through :func:`ssocheck.transport.winrm.run_script`, the collection's transport), and proposes
the cluster's nodes and the network name of the role that holds the ENTSSO Generic Service resource. Before the
move no role holds ENTSSO: then every role's network name is a candidate and the user picks one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ssocheck.errors import ConfigError, InventoryError, TransportError
from ssocheck.facts.cluster import Cluster, ClusterState
from ssocheck.facts.probe import ProbeOutputError, build_probe, parse_answer
from ssocheck.inventory import SCHEMA_PATH, Connection, Node, load_inventory, parse_inventory
from ssocheck.secrets import Secret
from ssocheck.transport.winrm import run_script


@dataclass(frozen=True)
class Address:
    """Where to reach a node when its name is not enough (an FQDN, an IP, another port)."""

    host: str
    port: int | None = None


@dataclass
class InitAnswers:
    """Everything ``init`` writes; each field is a flag or a prompt of the ``init`` command."""

    group: str
    cluster_network_name: str
    master_secret_server: str
    sso_service_account: str
    sso_db_server: str
    biztalk_nodes: list[str]
    cluster_nodes: list[str]
    username: str
    transport: str = "ntlm"
    scheme: str = "https"
    password_env: str | None = None
    password_file: str | None = None
    sso_db_name: str = "SSODB"
    addresses: dict[str, Address] = field(default_factory=dict)


@dataclass(frozen=True)
class Discovery:
    """What one cluster node said about its cluster, reduced to what an inventory needs."""

    cluster: str
    nodes: tuple[str, ...]
    # (role, network name) of every role with a Network Name resource; the ENTSSO role first when there is one.
    candidates: tuple[tuple[str, str], ...]
    entsso_role: str | None
    source: str

    @property
    def network_name(self) -> str | None:
        """The network name of the role that holds ENTSSO (None before the move: pick one of the candidates)."""
        if self.entsso_role is None:
            return None
        return next((name for role, name in self.candidates if role == self.entsso_role), None)


def parse_address(text: str) -> tuple[str, Address]:
    """``NAME=HOST[:PORT]`` of ``--address``."""
    name, eq, rest = text.partition("=")
    if not eq or not name.strip() or not rest.strip():
        raise ConfigError(f"{text!r}: use NAME=HOST or NAME=HOST:PORT", field="--address")
    host, colon, port_text = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    port: int | None = None
    if colon:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"{text!r}: the port must be a number from 1 to 65535", field="--address")
        port = int(port_text)
    return name.strip(), Address(host.strip(), port)


def _reduce(state: ClusterState) -> Discovery:
    network_names: dict[str, str] = {}
    for res in state.resources_of_type("Network Name"):
        name = res.private_str("Name") or res.private_str("DnsName").split(".")[0]
        if name and res.group and name.lower() != state.name.lower():
            network_names.setdefault(res.group, name)
    entsso = state.entsso_resources()
    entsso_role = entsso[0].group if entsso else None
    ordered = sorted(network_names.items(), key=lambda item: (item[0] != entsso_role, item[0].lower()))
    return Discovery(state.name, tuple(n.name for n in state.nodes), tuple(ordered), entsso_role, state.source)


def discover(conn: Connection, node: Node, password: Secret) -> Discovery:
    """Ask ``node`` for its cluster: the ``cluster`` fact's probe, one read-only command; errors are one line."""
    script = build_probe([Cluster], {})
    result = run_script(conn, node, password, script)
    try:
        answer = parse_answer(result.stdout, [Cluster.name])
    except ProbeOutputError as exc:
        raise TransportError(f"{node.name}: {exc}") from exc
    if Cluster.name not in answer.facts:
        problem = answer.fact_errors.get(Cluster.name, "no answer")
        raise TransportError(f"{node.name}: cannot read its failover cluster: {problem}")
    return _reduce(Cluster.parse(answer.facts[Cluster.name]))


def _flow(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _quote(text: str) -> str:
    # YAML single quotes: a backslash (DOMAIN\account) stays as typed; only a quote is doubled.
    return "'" + text.replace("'", "''") + "'"


def render(answers: InitAnswers) -> str:
    """The inventory text: every value from ``answers``, every key explained, the schema line first."""
    a = answers
    texts = [a.group, a.cluster_network_name, a.master_secret_server, a.sso_service_account, a.sso_db_server,
             a.sso_db_name, a.username, a.password_env or "", a.password_file or "", *a.biztalk_nodes,
             *a.cluster_nodes, *(addr.host for addr in a.addresses.values())]
    if any(not ch.isprintable() for text in texts for ch in text):
        raise ConfigError("an answer contains a control character (line break, tab...)")
    roles: dict[str, list[str]] = {}
    for name in a.biztalk_nodes:
        roles.setdefault(name.upper(), []).append("biztalk")
    for name in a.cluster_nodes:
        roles.setdefault(name.upper(), []).append("sso-cluster")
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_PATH.resolve().as_uri()}",
        "# ssocheck inventory written by 'ssocheck init'. Next: 'ssocheck doctor -i THIS_FILE', then",
        "# 'ssocheck run -i THIS_FILE --phase pre'. Every key is described in README \"Inventory\".",
        "# No password is ever written here: it comes from password_env, password_file or a prompt.",
        f"group: {_quote(a.group)}                     # the BizTalk group (names the reports)",
        f"cluster_network_name: {_quote(a.cluster_network_name)}   # network name of the cluster role for ENTSSO",
        f"master_secret_server: {_quote(a.master_secret_server)}   # the CURRENT master secret server",
        "sso:",
        f"  service_account: {_quote(a.sso_service_account)}   # DOMAIN\\account ENTSSO runs as",
        f"  database: {{server: {_quote(a.sso_db_server)}, name: {_quote(a.sso_db_name)}}}",
        "connection:",
        f"  transport: {a.transport}            # ntlm, kerberos, credssp or basic",
        f"  scheme: {a.scheme}                  # https (port 5986) or http (5985)",
        f"  username: {_quote(a.username)}",
    ]
    if a.password_env:
        lines.append(f"  password_env: {_quote(a.password_env)}   # the password is read from this variable")
    elif a.password_file:
        lines.append(f"  password_file: {_quote(a.password_file)}   # a file of mode 0600 holding the password")
    else:
        lines.append("  # no password_env or password_file: ssocheck asks for the password when it runs")
    lines.append("nodes:                              # roles: biztalk, sso-cluster, sql")
    for name, node_roles in roles.items():
        entry = f"name: {name}, roles: {_flow(node_roles)}"
        where = next((addr for key, addr in a.addresses.items() if key.upper() == name), None)
        if where is not None:
            entry += f", address: {_quote(where.host)}"
            if where.port is not None:
                entry += f", port: {where.port}"
        lines.append(f"  - {{{entry}}}")
    return "\n".join(lines) + "\n"


def write(path: Path, answers: InitAnswers) -> Path:
    """Validate ``answers`` as an inventory, create ``path`` (0600, never over an existing file), re-read it."""
    text = render(answers)
    data: Any = yaml.safe_load(text)
    parse_inventory(data, path)  # the real parser: a bad answer is refused before anything is written
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InventoryError("already exists; ssocheck init never overwrites a file (choose another name or "
                             "remove it)", source=str(path)) from None
    except OSError as exc:
        raise InventoryError(f"cannot create: {exc.strerror}", source=str(path)) from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    load_inventory(path)
    return path


def discover_at(name: str, addresses: dict[str, Address], transport: str, scheme: str, username: str,
                password: Secret) -> Discovery:
    """:func:`discover` on node ``name`` with the connection settings the new inventory will hold."""
    target = next((a for key, a in addresses.items() if key.upper() == name.upper()), Address(name))
    conn = Connection(transport=transport, scheme=scheme, username=username, port=target.port)
    return discover(conn, Node(name=name, roles=("sso-cluster",), address=target.host, port=target.port), password)


def discovery_password(password_env: str | None, password_file: str | None, username: str,
                       prompt: Any = None) -> Secret:
    """The password for ``--discover``, from the source the new inventory will name (or a prompt)."""
    from ssocheck.secrets import password_from_env, password_from_file, password_from_prompt

    if password_env:
        return password_from_env(password_env, "--password-env")
    if password_file:
        return password_from_file(Path(password_file), "--password-file")
    return password_from_prompt(username, "ssocheck init", prompt)


def describe(found: Discovery) -> list[str]:
    """What discovery found, as lines for the console."""
    lines = [f"cluster {found.cluster} ({found.source}): nodes {', '.join(found.nodes) or '(none)'}"]
    if found.network_name:
        lines.append(f"the role {found.entsso_role} holds ENTSSO; its network name is {found.network_name}")
    else:
        where = "; ".join(f"{name} (role {role})" for role, name in found.candidates) or "(none)"
        lines.append(f"no role holds ENTSSO yet (before the move); network names of the roles: {where}")
    return lines
