"""The simulated farm's state: Windows servers, Active Directory, SSO databases, clusters, DNS.

Loaded from scenario YAML (see docs/architecture.md, "Scenario document"). A scenario may extend
one or more others (``extends: name`` or ``extends: [a, b]``); documents are deep-merged in order:
mappings merge, lists and scalars replace, and a ``null`` value deletes the key. Files whose name
starts with ``_`` are fragments: usable in ``extends`` but not listed as scenarios.

Registry keys are stored by full path (``HKLM\\SOFTWARE\\...``) with case-insensitive lookup;
sub-keys are implied by the paths below a key, as in the real registry.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ssocheck import safeyaml

SCENARIO_DIR = Path(__file__).parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario file is missing or invalid; the message names the file and the field."""


def deep_merge(base: Any, overlay: Any) -> Any:
    """Merge ``overlay`` onto ``base``: mappings merge, anything else replaces, None deletes."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = deep_merge(out[key], value)
            elif isinstance(value, dict):
                # A new subtree: merging onto {} drops its nulls too, so "X: null" never creates an X.
                out[key] = deep_merge({}, value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    return copy.deepcopy(overlay)


def _canon(path: str) -> str:
    """A registry path with short hive names and no provider prefix, case kept."""
    p = path.replace("/", "\\").strip("\\")
    if p.upper().startswith("REGISTRY::"):
        p = p[len("REGISTRY::"):]
    for long, short in (("HKEY_LOCAL_MACHINE", "HKLM"), ("HKEY_CLASSES_ROOT", "HKCR"), ("HKLM:", "HKLM")):
        if p.upper().startswith(long):
            p = short + p[len(long):]
    return p


def _norm(path: str) -> str:
    return _canon(path).upper()


@dataclass
class Registry:
    """A node's registry: key path -> {value name: value}; keys and names are case-insensitive."""

    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    _index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {_norm(k): k for k in self.keys}

    def key_exists(self, path: str) -> bool:
        """True if the key or any key below it exists (sub-keys imply their parents)."""
        norm = _norm(path)
        return any(k == norm or k.startswith(norm + "\\") for k in self._index)

    def values(self, path: str) -> dict[str, Any] | None:
        """The values of a key (None if the key does not exist; {} if it exists without values)."""
        real = self._index.get(_norm(path))
        if real is not None:
            return dict(self.keys[real])
        return {} if self.key_exists(path) else None

    def value(self, path: str, name: str) -> Any:
        """One value (None if absent); value names are case-insensitive."""
        vals = self.values(path) or {}
        for k, v in vals.items():
            if k.lower() == name.lower():
                return v
        return None

    def subkeys(self, path: str) -> list[str]:
        """Names of the direct sub-keys of ``path`` (original case, sorted)."""
        norm = _norm(path)
        names: dict[str, str] = {}
        for real in self.keys:
            canon = _canon(real)
            if canon.upper().startswith(norm + "\\"):
                child = canon[len(norm) + 1 :].split("\\")[0]
                names.setdefault(child.upper(), child)
        return sorted(names.values(), key=str.upper)


@dataclass
class Service:
    """A Win32_Service instance."""

    name: str
    state: str = "Running"
    start_mode: str = "Auto"
    account: str = "LocalSystem"
    path: str = ""
    process_id: int = 0


@dataclass
class Event:
    """An Application-log event written by the ENTSSO source."""

    id: int
    time: str
    strings: list[str] = field(default_factory=list)
    level: str = "Information"
    source: str = "ENTSSO"
    # Rendered text, for an event that carries no insertion strings (forwarded or exported events): the emulator
    # then answers the text instead of the strings. A mapping {language: text} holds the text as each display
    # language renders it (Windows renders event messages in the node's language); the node's ``locale`` picks one.
    message: str | dict[str, str] | None = None


@dataclass
class NodeState:
    """One simulated Windows server."""

    name: str
    roles: list[str]
    up: bool = True
    cluster: str | None = None
    ps_version: str = "5.1.14393.0"
    os_caption: str = "Microsoft Windows Server 2016 Datacenter"
    os_version: str = "10.0.14393"
    clock_offset_s: float = 0.0
    # AD "Trust this computer for delegation": a forwarded Kerberos ticket then gives the WinRM session a second hop
    trusted_for_delegation: bool = False
    registry: Registry = field(default_factory=Registry)
    services: dict[str, Service] = field(default_factory=dict)
    user_rights: dict[str, list[str]] = field(default_factory=dict)
    local_groups: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def service(self, name: str) -> Service | None:
        """A service by name (case-insensitive)."""
        for key, svc in self.services.items():
            if key.lower() == name.lower():
                return svc
        return None


@dataclass
class FarmState:
    """Everything the lab knows: the nodes plus the shared world they live in."""

    name: str
    description: str
    farm: dict[str, Any]
    nodes: dict[str, NodeState]
    directory: dict[str, dict[str, Any]] = field(default_factory=dict)
    sso_databases: dict[str, dict[str, Any]] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    dns: dict[str, str] = field(default_factory=dict)
    dns_no_reverse: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    biztalk: dict[str, Any] = field(default_factory=dict)
    expect_not_passing: list[list[str]] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)

    def node(self, name: str) -> NodeState | None:
        """A node by name (case-insensitive)."""
        for key, node in self.nodes.items():
            if key.lower() == name.lower():
                return node
        return None

    def cluster_of(self, node: NodeState) -> dict[str, Any] | None:
        """The cluster document of the node's cluster, if it is a member of one."""
        if not node.cluster:
            return None
        return self.clusters.get(node.cluster)

    def account(self, name: str) -> dict[str, Any] | None:
        """An Active Directory account by DOMAIN\\name (case-insensitive)."""
        for key, acc in self.directory.items():
            if key.lower() == name.lower():
                return acc
        return None

    def iter_nodes(self) -> Iterator[NodeState]:
        """Nodes in scenario order."""
        return iter(self.nodes.values())


def _node(name: str, raw: Mapping[str, Any], source: str) -> NodeState:
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{source}: nodes.{name}: must be a mapping")
    try:
        services = {
            k: Service(name=k, **(v or {})) for k, v in dict(raw.get("services") or {}).items()
        }
        events = [Event(**e) for e in raw.get("events") or []]
        known = {"roles", "up", "cluster", "ps_version", "os_caption", "os_version", "clock_offset_s",
                 "trusted_for_delegation", "registry", "services", "user_rights", "local_groups", "files", "events"}
        return NodeState(
            name=name,
            roles=list(raw.get("roles") or []),
            up=bool(raw.get("up", True)),
            cluster=raw.get("cluster"),
            ps_version=str(raw.get("ps_version", "5.1.14393.0")),
            os_caption=str(raw.get("os_caption", "Microsoft Windows Server 2016 Datacenter")),
            os_version=str(raw.get("os_version", "10.0.14393")),
            clock_offset_s=float(raw.get("clock_offset_s", 0)),
            trusted_for_delegation=bool(raw.get("trusted_for_delegation", False)),
            registry=Registry({str(k): dict(v or {}) for k, v in dict(raw.get("registry") or {}).items()}),
            services=services,
            user_rights={k: list(v or []) for k, v in dict(raw.get("user_rights") or {}).items()},
            local_groups={k: list(v or []) for k, v in dict(raw.get("local_groups") or {}).items()},
            files=dict(raw.get("files") or {}),
            events=events,
            extra={k: v for k, v in raw.items() if k not in known},
        )
    except (TypeError, ValueError) as exc:
        raise ScenarioError(f"{source}: nodes.{name}: {exc}") from exc


def _read(name: str, directory: Path) -> dict[str, Any]:
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise ScenarioError(f"unknown scenario {name!r} (no {path.name} in {directory})")
    try:
        doc = safeyaml.loads(safeyaml.read_text(path)) or {}
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    except (OSError, safeyaml.YamlLimitError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ScenarioError(f"{path}: must be a mapping")
    return doc


# Keys a scenario or overlay file may have at the top level and in a node. Strict so that a typo makes the file
# fail to load (naming file and key) instead of making a case pass vacuously. An emulator that reads a new key
# from ``NodeState.extra`` or ``FarmState.document`` adds it here.
SCENARIO_KEYS = frozenset({
    "name", "description", "extends", "expect_not_passing", "expect_refused", "farm", "directory", "sso_databases",
    "clusters", "dns", "dns_no_reverse", "dns_cname", "dns_ptr", "blocked", "biztalk", "nodes", "sql_listeners",
    "sql_instances",
})
NODE_KEYS = frozenset({
    "roles", "up", "cluster", "ps_version", "os_caption", "os_version", "clock_offset_s", "trusted_for_delegation",
    "registry", "services", "user_rights", "local_groups", "files", "events",
    # read by emulators from NodeState.extra
    "computer_name", "locale", "ssoss_access_denied", "sso_server", "operator_local_admin", "modules", "firewall",
    "entsso_recovery", "dynamic_tcp_ports", "language_mode", "elevated", "get_winevent", "clr_version", "culture",
    "biztalk_language", "assemblies",
})
EXPECTED_STATUSES = frozenset({"fail", "warn", "error", "skip"})


def check_keys(doc: Mapping[str, Any], source: str) -> None:
    """Refuse unknown top-level and node keys of one scenario or overlay file (ScenarioError naming both)."""
    for key in doc:
        # "x-..." keys only hold YAML anchors for the file itself (docker-compose's convention); never read.
        if key not in SCENARIO_KEYS and not str(key).startswith("x-"):
            raise ScenarioError(f"{source}: unknown key {key!r} (known: {', '.join(sorted(SCENARIO_KEYS))})")
    nodes = doc.get("nodes")
    if isinstance(nodes, Mapping):
        for name, raw in nodes.items():
            for key in raw if isinstance(raw, Mapping) else ():
                if key not in NODE_KEYS:
                    raise ScenarioError(f"{source}: nodes.{name}: unknown key {key!r} "
                                        f"(known: {', '.join(sorted(NODE_KEYS))})")
    for entry in doc.get("expect_not_passing") or []:
        statuses = str(entry[2]).lower().split("|") if isinstance(entry, list) and len(entry) == 3 else None
        if statuses is None or not all(s == "*" or s in EXPECTED_STATUSES for s in statuses):
            raise ScenarioError(f"{source}: expect_not_passing: {entry!r} is not [CHECK, NODE, STATUS] with STATUS "
                                "fail, warn, error or skip, several joined by '|' (e.g. fail|warn), or '*'")


def _scenario_dir(name: str, directory: Path) -> Path:
    """Where scenario ``name`` lives: ``directory``, else the built-in ones (an external file may extend them)."""
    return directory if (directory / f"{name}.yaml").is_file() else SCENARIO_DIR


def resolve_document(name: str, directory: Path = SCENARIO_DIR, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fully merged document of scenario ``name`` (its ``extends`` chain applied first)."""
    if name in _seen:
        raise ScenarioError(f"scenario {name!r}: circular extends via {' -> '.join(_seen)}")
    directory = _scenario_dir(name, directory)
    doc = _read(name, directory)
    check_keys(doc, str(directory / f"{name}.yaml"))
    parents = doc.pop("extends", None) or []
    if isinstance(parents, str):
        parents = [parents]
    merged: dict[str, Any] = {}
    for parent in parents:
        merged = deep_merge(merged, resolve_document(parent, directory, (*_seen, name)))
    # Test expectations and descriptions belong to one scenario; never inherit them.
    merged.pop("expect_not_passing", None)
    merged.pop("description", None)
    result: dict[str, Any] = deep_merge(merged, doc)
    return result


def build_farm(doc: Mapping[str, Any], name: str, source: str = "") -> FarmState:
    """Build the typed state from a merged scenario document."""
    src = source or name
    nodes_raw = doc.get("nodes")
    if not isinstance(nodes_raw, Mapping) or not nodes_raw:
        raise ScenarioError(f"{src}: nodes: must be a non-empty mapping")
    farm = dict(doc.get("farm") or {})
    for key in ("group", "cluster_network_name", "master_secret_server", "sso_service_account", "sso_db"):
        if key not in farm:
            raise ScenarioError(f"{src}: farm.{key}: is required")
    return FarmState(
        name=name,
        description=str(doc.get("description") or ""),
        farm=farm,
        nodes={str(k): _node(str(k), v, src) for k, v in nodes_raw.items()},
        directory={str(k): dict(v or {}) for k, v in dict(doc.get("directory") or {}).items()},
        sso_databases={str(k): dict(v or {}) for k, v in dict(doc.get("sso_databases") or {}).items()},
        clusters={str(k): dict(v or {}) for k, v in dict(doc.get("clusters") or {}).items()},
        dns={str(k): str(v) for k, v in dict(doc.get("dns") or {}).items()},
        dns_no_reverse=list(doc.get("dns_no_reverse") or []),
        blocked=list(doc.get("blocked") or []),
        biztalk=dict(doc.get("biztalk") or {}),
        expect_not_passing=[list(x) for x in doc.get("expect_not_passing") or []],
        document=dict(doc),
    )


def load_scenario(name_or_path: str, overlay: Path | None = None, directory: Path = SCENARIO_DIR) -> FarmState:
    """Load a built-in scenario by name (or a scenario file by path), optionally with an overlay file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        doc = resolve_document(path.stem, path.parent)
        name = path.stem
    else:
        doc = resolve_document(name_or_path, directory)
        name = name_or_path
    if overlay is not None:
        try:
            extra = safeyaml.loads(safeyaml.read_text(Path(overlay))) or {}
        except (OSError, yaml.YAMLError, safeyaml.YamlLimitError) as exc:
            raise ScenarioError(f"{overlay}: cannot read overlay: {exc}") from exc
        if not isinstance(extra, dict):
            raise ScenarioError(f"{overlay}: an overlay must be a mapping")
        check_keys(extra, str(overlay))
        doc = deep_merge(doc, extra)
    return build_farm(doc, name, str(path))


def list_scenarios(directory: Path = SCENARIO_DIR) -> list[tuple[str, str]]:
    """(name, description) of every scenario that is not a fragment."""
    out = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        doc = _read(path.stem, directory)
        out.append((path.stem, str(doc.get("description") or "")))
    return out
