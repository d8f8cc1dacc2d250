"""MSDTC facts of a simulated node, answered from its registry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import emulates
from ssocheck.lab.state import FarmState, NodeState

CID_ROOT = "HKLM\\SOFTWARE\\Classes\\CID"
CLUSTER_RESOURCES = "HKLM\\Cluster\\Resources"
# The descriptions of MSDTC's contact keys (MS-CMOM 2.2.3.5); other CID keys (COM+ and friends) are ignored.
MSDTC_DESCRIPTIONS = ("MSDTC", "MSDTCUIS", "MSDTCTIPGW", "MSDTCXATM")


@emulates(
    "msdtc_cids",
    calls=(r"'hkey_local_machine\software\classes\cid'", 'Get-ChildItem', 'Get-SsoRegValue',),
)
def msdtc_cids(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, str]]:
    """``[{"cid", "description", "instance"}]`` for every ``CID\\<guid>\\Description`` whose (Default) is an MSDTC
    name, local (``HKLM\\SOFTWARE\\Classes\\CID``) and of clustered DTC resources (``...\\MSDTCPRIVATE\\CID``).

    Like the snippet: sub-keys in registry order (alphabetical), the key name as stored (PSChildName), the
    description compared case-insensitively (``-contains``) and returned as stored. No CID key at all is an empty
    list, not an error (Test-Path guards the read).
    """
    wanted = {d.upper() for d in MSDTC_DESCRIPTIONS}
    roots = [("local", CID_ROOT)]
    for res in node.registry.subkeys(CLUSTER_RESOURCES):
        root = f"{CLUSTER_RESOURCES}\\{res}\\MSDTCPRIVATE\\CID"
        if node.registry.key_exists(root):
            roots.append((f"cluster:{res}", root))
    out: list[dict[str, str]] = []
    for instance, root in roots:
        for cid in node.registry.subkeys(root):
            desc = node.registry.value(f"{root}\\{cid}\\Description", "(default)")
            if desc is not None and str(desc).upper() in wanted:
                entry = {"cid": cid, "description": str(desc)}
                if instance != "local":
                    entry["instance"] = instance
                out.append(entry)
    return out
