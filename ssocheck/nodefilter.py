"""``--node NAME`` (repeatable): limit a run, a collection or doctor to some of the inventory's nodes.

A node-filtered run is *partial*, like a ``--select`` run: it proves nothing about the nodes left out.
The filter is therefore recorded where the facts go (the snapshot's ``node_filter``: the nodes kept
and the nodes left out with their roles), so that every later step can tell:

* the runner turns a group check's ``pass`` into ``skip`` when a node in the check's scope was left out
  (uniqueness or consistency proven on a subset of the group proves nothing; a ``fail`` found on the
  kept nodes still stands), see ssocheck/runner.py;
* the provenance record says ``PARTIAL`` and names the filter in every report (ssocheck/provenance.py);
* a baseline of a node-filtered snapshot is refused unless ``--allow-incomplete`` (ssocheck/baseline.py).

An unknown name is a usage error (exit 2) naming it, before any node is contacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ssocheck.errors import ConfigError

if TYPE_CHECKING:
    from ssocheck.inventory import Inventory


@dataclass(frozen=True)
class NodeFilter:
    """Which nodes a filtered collection kept (inventory order) and which it left out, with their roles."""

    selected: tuple[str, ...]
    excluded: tuple[tuple[str, tuple[str, ...]], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the snapshot's ``node_filter``)."""
        return {"selected": list(self.selected),
                "excluded": [{"name": name, "roles": list(roles)} for name, roles in self.excluded]}

    @property
    def excluded_names(self) -> list[str]:
        """The names of the nodes left out, in inventory order."""
        return [name for name, _ in self.excluded]


def apply(inv: Inventory, names: Sequence[str]) -> tuple[Inventory, NodeFilter | None]:
    """``inv`` limited to the nodes called ``names`` (case-insensitive), and the filter; no names: ``inv``, None.

    Raises :class:`ConfigError` (exit 2) naming every name the inventory does not have.
    """
    if not names:
        return inv, None
    wanted = {n.casefold() for n in names}
    unknown = sorted({n for n in names if n.casefold() not in {node.name.casefold() for node in inv.nodes}})
    if unknown:
        known = ", ".join(node.name for node in inv.nodes)
        raise ConfigError(f"no node named {', '.join(unknown)} in {inv.path} (its nodes: {known})", field="--node")
    kept = tuple(node for node in inv.nodes if node.name.casefold() in wanted)
    left = tuple((node.name, tuple(node.roles)) for node in inv.nodes if node.name.casefold() not in wanted)
    if not left:
        return inv, None  # every node named: a whole run, not a partial one
    return replace(inv, nodes=kept), NodeFilter(tuple(n.name for n in kept), left)


def from_dict(doc: Any, where: str) -> NodeFilter | None:
    """The ``node_filter`` of a snapshot document (None when absent); ValueError naming ``where`` if malformed."""
    if doc is None:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("selected"), list) or not isinstance(
            doc.get("excluded"), list):
        raise ValueError(f"{where}: must be an object with the lists 'selected' and 'excluded'")
    excluded = []
    for item in doc["excluded"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(
                item.get("roles"), list):
            raise ValueError(f"{where}.excluded: each entry needs a 'name' and a list of 'roles'")
        excluded.append((item["name"], tuple(str(r) for r in item["roles"])))
    return NodeFilter(tuple(str(s) for s in doc["selected"]), tuple(excluded))
