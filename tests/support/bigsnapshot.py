"""A real farm's snapshot scaled to N nodes, for scale tests that go through the real runner and reporters.

:func:`scaled_snapshot` takes a snapshot collected from the 4-node simulated farm (BizTalk nodes BTSNODE1 and
BTSNODE2, the cluster nodes NODE1 and NODE2) and clones BTSNODE1 into ``BTSNODE0001`` ... so that the farm has
``n`` nodes: the name is replaced wherever it appears as a whole word, each clone gets its own MSDTC CIDs
(uuid5, deterministic), and the expectations list the clones as the BizTalk nodes. Nodes named in ``down``
were not collected, as if their address refused the connection. Evaluated with ``ssocheck check`` the
result is the same as a live run against ``benchmarks/farm_server.py`` scaled alike (measured: 500 nodes,
3 down: 3 error, 8028 skip, 3504 pass in both), in a second or two instead of a 500-node collection.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

# The benchmark farm's cloning, so a scaled snapshot names and renumbers nodes exactly as the scaled farm does.
from benchmarks.farm_server import CID_NAMESPACE, clone_name, name_pattern, rewrite_strings


def clone_names(n: int, others: int = 2) -> list[str]:
    """The BizTalk clones of an ``n``-node farm with ``others`` cluster nodes."""
    return [clone_name(i) for i in range(1, n - others + 1)]


def scaled_snapshot(snapshot: dict[str, Any], n: int, down: tuple[str, ...] = ()) -> dict[str, Any]:
    """``snapshot`` (a 4-node lab snapshot as JSON data) scaled to ``n`` nodes; ``down`` nodes not collected."""
    template = next(x for x in snapshot["nodes"] if x["name"] == "BTSNODE1")
    others = [x for x in snapshot["nodes"] if "biztalk" not in x["roles"]]
    clones = clone_names(n, len(others))
    cids = {c["cid"].lower() for c in template["facts"].get("msdtc_cids") or []}
    assert cids, "the template node has no MSDTC CIDs to make unique"
    # Farm-wide text naming the two BizTalk nodes names the first two clones instead.
    farm_wide = [(name_pattern("BTSNODE1"), clones[0]), (name_pattern("BTSNODE2"), clones[1])]
    out = copy.deepcopy(snapshot)
    out["expectations"] = rewrite_strings(out["expectations"], farm_wide)
    out["expectations"]["biztalk_nodes"] = clones
    nodes = []
    for name in clones:
        subs = [(name_pattern("BTSNODE1"), name)]
        subs += [(re.compile(re.escape(cid), re.IGNORECASE), str(uuid.uuid5(CID_NAMESPACE, f"{name}|{cid}")))
                 for cid in sorted(cids)]
        node = rewrite_strings(template, subs)
        if name in down:
            node.update(facts={}, fact_errors={}, computer=None, ps_version=None, clock_utc=None,
                        received_utc=None,
                        error=f"{name}: cannot connect to http://{name.lower()}:5985/wsman: connection refused")
        nodes.append(node)
    out["nodes"] = nodes + [rewrite_strings(x, farm_wide) for x in others]
    return out
