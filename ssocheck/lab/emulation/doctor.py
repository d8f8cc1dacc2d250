"""``ssocheck doctor --self-test`` on a simulated node: the round-trip table and the prerequisites it reports.

The table is the lab's own copy of what the self-test snippet builds (the lab never imports ``ssocheck``'s client
code); the farm writes it with the escape table of the received JSON writer (:mod:`ssocheck.lab.jsonwriter`), so a
writer that mangles a value is seen by the client's comparison exactly as on Windows. Prerequisites come from the
node's state: ``modules: {FailoverClusters: false}``, membership in a cluster, the SSO administration tools
(``Administration`` value of the ENTSSO key), the ENTSSO service, ``get_winevent: false`` for a node without
.NET 3.5, ``assemblies: {System.Web.Extensions: false}`` (lab/assemblies.py) for a node without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssocheck.lab.assemblies import missing
from ssocheck.lab.emulation import emulates
from ssocheck.lab.state import FarmState, NodeState

TABLE: dict[str, Any] = {
    "backslash": "C:\\Program Files\\Common Files\\",
    "quotes": "it's \"quoted\"",
    "controls": "".join(chr(c) for c in range(32)) + "\x7f",
    "non_ascii": "caf\u00e9 \u4e2d\u6587 \u00df",
    "surrogate_pair": "\U0001f600",
    "int_max": 2147483647,
    "long_min": -9223372036854775808,
    "long_max": 9223372036854775807,
    "negative": -42,
    "double": 1.5,
    "nested": {"list": [1, "two", [3]], "map": {"k": None}},
    "null": None,
    "empty": "",
    "true": True,
    "date": "2026-01-02T03:04:05Z",
    # .NET's '$' matches before a final newline: a writer whose fast path ends in '$' sends this raw (invalid JSON).
    "trailing_newline": "line\n",
    # A hashtable entry named 'keys' hides the Keys property: a writer iterating $o.Keys sends garbage here.
    "member_names": {"keys": ["k1"], "values": "v"},
    # A byte[] (a REG_BINARY value) is written as base64, also after a function returned it.
    "bytes": "AP8=",
    # JSON has no NaN: the writer sends null.
    "nan": None,
}
ENTSSO_KEYS = (r"HKLM\SOFTWARE\Microsoft\ENTSSO", r"HKLM\SOFTWARE\Wow6432Node\Microsoft\ENTSSO")


@emulates(
    "doctor_selftest",
    calls=("Get-Module FailoverClusters", "Get-Command Get-WinEvent", "'ssomanage.exe'"),
)
def doctor_selftest(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"table": {...}, "prereq": {name: bool}}`` as the self-test snippet assigns it."""
    modules = dict(node.extra.get("modules") or {})
    entsso = node.service("ENTSSO")
    prereq = {
        "failoverclusters_module": bool(modules.get("FailoverClusters", bool(node.cluster))),
        "mscluster_wmi": bool(node.cluster),
        "get_winevent": bool(node.extra.get("get_winevent", True)),
        "ssomanage": any(node.registry.value(k, "Administration") for k in ENTSSO_KEYS),
        "entsso_running": entsso is not None and entsso.state.lower() == "running",
        "domain_member": True,
        "system_web_extensions": "system.web.extensions" not in missing(node),
    }
    if prereq["get_winevent"]:
        prereq["winevent_no_match_empty"] = True
    return {"table": dict(TABLE), "prereq": prereq}
