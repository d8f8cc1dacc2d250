"""The simulated farm for the benchmark, in its own process: healthy-post scaled to N nodes.

Usage (normally started by ``run_benchmark.py``)::

    python benchmarks/farm_server.py --nodes 200 --inventory /tmp/bench/inventory.yml

The farm is the ``healthy-post`` scenario with its BizTalk nodes replaced by ``N - k`` clones of
``BTSNODE1`` (``BTSNODE0001``, ``BTSNODE0002``, ...), where ``k`` is the number of non-BizTalk nodes
kept as they are (the two ``sso-cluster`` nodes NODE1 and NODE2). Each clone gets its own name
everywhere the template's name appeared (host name registry values, DNS) and fresh, unique MSDTC
CIDs, so the generated farm stays healthy: the benchmark measures a realistic all-pass run.

It serves the farm with :class:`~ssocheck.lab.farm.LabFarm` (HTTP, NTLM with message encryption),
writes the inventory, prints one JSON line ``{"ready": true, ...}`` on stdout and then answers line
commands on stdin, one JSON line each:

* ``stats``: ``{"nodes": {NAME: {"commands": .., "http_requests": .., "shells_created": ..,
  "connections": ..}}, "cpu_s": ..}`` (the lab's counters since the last reset, and the CPU seconds the
  lab process has used so far);
* ``reset``: zero the counters, answers ``{"ok": true, "cpu_s": ..}``;
* ``quit`` (or end of stdin): stop the farm and exit.

Running the lab in a separate process keeps its CPU time and memory out of the measured client
process (on a real farm the servers are other machines), while still sharing the same cores.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import re
import resource
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import FarmState, build_farm, resolve_document

log = logging.getLogger(__name__)

SCENARIO = "healthy-post"
TEMPLATE_NODE = "BTSNODE1"
# uuid5 namespace for the clones' CIDs: deterministic (same farm every run) yet unique per clone.
CID_NAMESPACE = uuid.UUID("6d5b0c3e-2f4a-4e51-9a57-0b3c1d2e4f60")
_CID_KEY = re.compile(r"\\CID\\\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?",
                      re.IGNORECASE)


def clone_name(index: int) -> str:
    """Name of the ``index``-th (1-based) BizTalk clone: ``BTSNODE0001`` (11 characters, NetBIOS-safe)."""
    return f"BTSNODE{index:04d}"


def clone_address(index: int) -> str:
    """A unique IPv4 address for the ``index``-th clone's DNS record (10.100.0.1 upwards)."""
    return f"10.{100 + index // 62500}.{(index // 250) % 250}.{index % 250 + 1}"


def name_pattern(name: str) -> re.Pattern[str]:
    # A whole-word match: BTSNODE1 must not match inside BTSNODE10 or XBTSNODE1.
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", re.IGNORECASE)


def rewrite_strings(value: Any, subs: Sequence[tuple[re.Pattern[str], str]]) -> Any:
    """``value`` with every regex substitution applied to every string in it (mapping keys included)."""
    if isinstance(value, str):
        for pattern, repl in subs:
            value = pattern.sub(repl, value)
        return value
    if isinstance(value, dict):
        return {rewrite_strings(k, subs): rewrite_strings(v, subs) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite_strings(v, subs) for v in value]
    return copy.deepcopy(value)


def _cids(node: dict[str, Any]) -> list[str]:
    """The MSDTC CIDs (GUIDs under ``...\\Classes\\CID\\``) in a node's registry keys."""
    found: dict[str, None] = {}
    for key in (node.get("registry") or {}):
        for match in _CID_KEY.finditer(str(key)):
            found.setdefault(match.group(1).lower(), None)
    return list(found)


def clone_node(template: dict[str, Any], template_name: str, name: str) -> dict[str, Any]:
    """A copy of ``template`` renamed to ``name`` (every whole-word occurrence) with fresh MSDTC CIDs."""
    subs: list[tuple[re.Pattern[str], str]] = [(name_pattern(template_name), name)]
    for cid in _cids(template):
        fresh = str(uuid.uuid5(CID_NAMESPACE, f"{name}|{cid}"))
        subs.append((re.compile(re.escape(cid), re.IGNORECASE), fresh))
    cloned: dict[str, Any] = rewrite_strings(template, subs)
    return cloned


def _rewrite_world(value: Any, template: str, dropped: Sequence[str], clones: Sequence[str]) -> Any:
    """Apply the node replacement to the farm-wide parts of the document (DNS, farm, clusters, ...).

    A mapping keyed by the template node gets one (renamed) entry per clone; keys of dropped nodes
    go; a list naming the template names every clone instead and loses the dropped nodes; any
    other string naming the template or a dropped node names a clone instead (e.g. the inventory's
    ``master_secret_server: BTSNODE1`` becomes ``BTSNODE0001``).
    """
    upper_dropped = [d.upper() for d in dropped]
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.upper() == template.upper():
                for name in clones:
                    out[name] = rewrite_strings(item, [(name_pattern(template), name)])
            elif isinstance(key, str) and key.upper() in upper_dropped:
                continue
            else:
                out[key] = _rewrite_world(item, template, dropped, clones)
        return out
    if isinstance(value, list):
        items: list[Any] = []
        for item in value:
            if isinstance(item, str) and item.upper() == template.upper():
                items.extend(clones)
            elif isinstance(item, str) and item.upper() in upper_dropped:
                continue
            else:
                items.append(_rewrite_world(item, template, dropped, clones))
        return items
    if isinstance(value, str):
        return rewrite_strings(value, _renames(template, dropped, clones))
    return copy.deepcopy(value)


def _renames(template: str, dropped: Sequence[str], clones: Sequence[str]) -> list[tuple[re.Pattern[str], str]]:
    """Substitutions naming a clone wherever the template (the first clone) or a dropped node (the next) was named."""
    subs = [(name_pattern(template), clones[0])]
    subs += [(name_pattern(d), clones[min(i + 1, len(clones) - 1)]) for i, d in enumerate(dropped)]
    return subs


def scaled_document(nodes: int, scenario: str = SCENARIO, template: str = TEMPLATE_NODE) -> dict[str, Any]:
    """The merged ``scenario`` document with its BizTalk nodes replaced by clones of ``template``, ``nodes`` in all.

    Nodes without the ``biztalk`` role (the SSO cluster nodes) are kept unchanged.
    """
    doc = resolve_document(scenario)
    raw_nodes: dict[str, Any] = dict(doc["nodes"])
    if template not in raw_nodes:
        raise ValueError(f"scenario {scenario} has no node {template} to clone")
    kept = {name: raw for name, raw in raw_nodes.items() if "biztalk" not in (raw.get("roles") or [])}
    dropped = [name for name in raw_nodes if name not in kept and name != template]
    count = nodes - len(kept)
    if count < 1 + len(dropped):
        raise ValueError(f"--nodes must be at least {len(kept) + 1 + len(dropped)} for scenario {scenario}")
    clones = [clone_name(i) for i in range(1, count + 1)]
    world: dict[str, Any] = _rewrite_world({k: v for k, v in doc.items() if k != "nodes"}, template, dropped, clones)
    if isinstance(world.get("dns"), dict):
        for i, name in enumerate(clones, start=1):
            world["dns"][name] = clone_address(i)
    out_nodes = {name: clone_node(raw_nodes[template], template, name) for name in clones}
    # The kept (cluster) nodes may name the old BizTalk nodes in their data (e.g. events recording where the
    # master secret was backed up): those names follow the same renaming, string by string.
    out_nodes.update(rewrite_strings(kept, _renames(template, dropped, clones)))
    world["nodes"] = out_nodes
    world["description"] = f"{scenario} scaled to {nodes} nodes ({count} BizTalk clones of {template})"
    world["expect_not_passing"] = []
    return world


def build_scaled_farm(nodes: int, scenario: str = SCENARIO) -> FarmState:
    """The typed farm state of :func:`scaled_document`."""
    return build_farm(scaled_document(nodes, scenario), f"{scenario}-x{nodes}")


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def stats(farm: LabFarm) -> dict[str, Any]:
    """The lab's counters of every node (the ``stats`` answer)."""
    endpoints = farm._running()  # the public accessors give two of the four counters; read them all at once
    out: dict[str, dict[str, int]] = {}
    for name in farm.state.nodes:
        c = endpoints.counters(name)
        out[name] = {"commands": c.commands, "http_requests": c.http_requests,
                     "shells_created": c.shells_created, "connections": c.connections}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # The lab's own CPU time: on a small machine the lab and the client share the cores, so a run whose probe
    # costs the lab more CPU than the floor's trivial command is slower for reasons that are not the client's.
    return {"nodes": out, "cpu_s": round(usage.ru_utime + usage.ru_stime, 4)}


def serve(nodes: int, inventory: Path, scenario: str = SCENARIO) -> None:
    """Start the scaled farm, write the inventory, announce readiness and answer stdin commands until quit."""
    state = build_scaled_farm(nodes, scenario)
    with LabFarm(state, scheme="http") as farm:
        farm.write_inventory(inventory)
        _emit({"ready": True, "inventory": str(inventory), "nodes": len(state.nodes), "scenario": state.name,
               "username": farm.username, "ports": {n: farm.port(n) for n in state.nodes}})
        for line in sys.stdin:
            command = line.strip().lower()
            if command == "stats":
                _emit(stats(farm))
            elif command == "reset":
                farm.reset_counters()
                _emit({"ok": True, "cpu_s": stats(farm)["cpu_s"]})
            elif command == "quit":
                break
            elif command:
                _emit({"error": f"unknown command {command!r} (stats, reset, quit)"})


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, required=True, help="total nodes (BizTalk clones + the cluster nodes)")
    parser.add_argument("--inventory", type=Path, required=True, help="inventory file to write")
    parser.add_argument("--scenario", default=SCENARIO, help="scenario to scale (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        serve(args.nodes, args.inventory, args.scenario)
    except ValueError as exc:
        _emit({"ready": False, "error": str(exc)})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
