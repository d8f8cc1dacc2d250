"""Windows services of a simulated node (Win32_Service through Get-WmiObject): ENTSSO, MSDTC, BTSSvc$*."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import emulates
from ssocheck.lab.emulation.sso import directory_sid
from ssocheck.lab.state import FarmState, NodeState, Service

# The services the real snippet asks WMI for, in its order.
WATCHED = ("ENTSSO", "MSDTC")

# PathName of a default installation, used when the scenario does not give one.
DEFAULT_PATHS = {
    "ENTSSO": '"C:\\Program Files\\Common Files\\Enterprise Single Sign-On\\ENTSSO.exe"',
    "MSDTC": "C:\\Windows\\System32\\msdtc.exe",
}


def process_id(node: NodeState, svc: Service) -> int:
    """Win32_Service.ProcessId: 0 unless running; a stable made-up id when the scenario gives none."""
    if svc.state.lower() != "running":
        return 0
    if svc.process_id:
        return svc.process_id
    digest = hashlib.sha256(f"{node.name}|{svc.name}".upper().encode()).digest()
    return 4 * (250 + int.from_bytes(digest[:2], "big") % 4000)  # Windows PIDs are multiples of 4


@emulates(
    "services",
    calls=('Get-WmiObject Win32_Service',),
)
def services(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"name", "state", "start_mode", "account", "account_sid", "path", "process_id"}]`` for ENTSSO and MSDTC.

    A service that is not installed is absent (the WMI filter finds nothing), exactly like the snippet.
    ``account_sid`` is what the node's LSA translates the logon name to (``directory`` accounts and the
    built-in service identities), else null as when Translate throws.
    """
    out: list[dict[str, Any]] = []
    for name in WATCHED:
        svc = node.service(name)
        if svc is None:
            continue
        out.append(
            {
                "name": svc.name,
                "state": svc.state,
                "start_mode": svc.start_mode,
                "account": svc.account,
                "account_sid": directory_sid(farm, svc.account),
                "path": svc.path or DEFAULT_PATHS.get(name.upper(), ""),
                "process_id": process_id(node, svc),
            }
        )
    return out


@emulates(
    "biztalk_host_services",
    calls=('Get-WmiObject Win32_Service', "'btssvc$'",),
)
def biztalk_host_services(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"name", "state", "start_mode", "account", "delayed_autostart"}]`` for the node's ``BTSSvc$*`` services.

    Matched case-insensitively, as WQL ``LIKE`` does; ``delayed_autostart`` is the service key's
    ``DelayedAutostart`` value in the node's registry (absent: not delayed).
    """
    out: list[dict[str, Any]] = []
    for svc in node.services.values():
        if not svc.name.lower().startswith("btssvc$"):
            continue
        delayed = node.registry.value(f"HKLM\\SYSTEM\\CurrentControlSet\\Services\\{svc.name}", "DelayedAutostart")
        out.append(
            {
                "name": svc.name,
                "state": svc.state,
                "start_mode": svc.start_mode,
                "account": svc.account,
                "delayed_autostart": delayed is not None and int(delayed) == 1,
            }
        )
    return out
