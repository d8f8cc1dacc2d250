"""The node's Windows Firewall: profile state and the rules that matter for ENTSSO and MSDTC RPC.

Read through the ``HNetCfg.FwPolicy2`` COM object (INetFwPolicy2, Windows Server 2008+), because
``Get-NetFirewallRule`` needs Windows Server 2012. Only rules that can matter are returned, so the
answer stays small on servers with hundreds of rules: inbound TCP rules for ENTSSO.exe or msdtc.exe,
for the RPC keywords (``RPC``, ``RPC-EPMap``), for port 135, for numeric port ranges, or for all ports
of all programs; and every rule of the "Distributed Transaction Coordinator" group, in both directions,
whatever its state (DTC005 judges that group). The group is matched by its indirect string
``@FirewallAPI.dll,-33502``, which is the same on every display language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

# INetFwPolicy2 / INetFwRule constants (NET_FW_PROFILE_TYPE2, NET_FW_RULE_DIRECTION, NET_FW_ACTION,
# NET_FW_IP_PROTOCOL), as documented for the Windows Firewall with Advanced Security API.
PROFILE_DOMAIN, PROFILE_PRIVATE, PROFILE_PUBLIC = 1, 2, 4
PROFILE_NAMES = {PROFILE_DOMAIN: "Domain", PROFILE_PRIVATE: "Private", PROFILE_PUBLIC: "Public"}
DIR_IN, DIR_OUT = 1, 2
ACTION_BLOCK, ACTION_ALLOW = 0, 1
PROTO_TCP, PROTO_ANY = 6, 256
DTC_GROUP = "@FirewallAPI.dll,-33502"
# Rules kept at most (the filter keeps far fewer on a normal server; the cap bounds a hostile one).
MAX_RULES = 300


@dataclass(frozen=True)
class FirewallRule:
    """One INetFwRule, as far as the checks need it."""

    name: str
    direction: int
    action: int
    enabled: bool
    profiles: int
    protocol: int
    local_ports: str
    application: str
    service: str
    grouping: str
    remote_addresses: str = "*"

    @property
    def program(self) -> str:
        """The executable's file name in lower case ('' for a rule that applies to every program)."""
        return self.application.replace("/", "\\").rsplit("\\", 1)[-1].lower()

    def port_items(self) -> list[str]:
        """LocalPorts split on commas; '*' or empty means every port."""
        text = self.local_ports.strip()
        return ["*"] if text in ("", "*") else [p.strip() for p in text.split(",") if p.strip()]


@dataclass(frozen=True)
class FirewallState:
    """Which profiles are current and enabled, and the relevant rules."""

    current_profiles: int
    enabled: dict[int, bool]
    rules: tuple[FirewallRule, ...]
    truncated: bool = False

    @property
    def active_profiles(self) -> int:
        """Bit mask of the current profiles whose firewall is on (0: the firewall filters nothing now)."""
        mask = 0
        for bit, on in self.enabled.items():
            if on and self.current_profiles & bit:
                mask |= bit
        return mask


def profile_names(mask: int) -> str:
    """``Domain, Private`` for a profile bit mask."""
    names = [name for bit, name in PROFILE_NAMES.items() if mask & bit]
    return ", ".join(names) or "none"


class Firewall(Fact[FirewallState]):
    """Windows Firewall profiles and the inbound rules for ENTSSO/MSDTC/RPC, plus the DTC rule group.

    Raw value::

        {"current_profiles": 1, "enabled": {"1": true, "2": true, "4": true}, "truncated": false,
         "rules": [{"name", "direction": 1, "action": 1, "enabled": true, "profiles": 2147483647,
                    "protocol": 6, "local_ports": "RPC", "application": "C:\\...\\ENTSSO.exe",
                    "service": "", "grouping": "@FirewallAPI.dll,-33502", "remote_addresses": "*"}]}
    """

    name = "firewall"
    description = "Windows Firewall profiles and the rules for ENTSSO, MSDTC and RPC (HNetCfg.FwPolicy2)"
    script = r"""
$fw = New-Object -ComObject HNetCfg.FwPolicy2
$enabled = @{}
foreach ($p in @(1, 2, 4)) { $enabled[[string]$p] = [bool]$fw.FirewallEnabled($p) }
$kept = New-Object System.Collections.ArrayList
$truncated = $false
foreach ($r in $fw.Rules) {
    $group = [string]$r.Grouping
    $app = [string]$r.ApplicationName
    $ports = [string]$r.LocalPorts
    $keep = $false
    if ($group -eq '@FirewallAPI.dll,-33502') { $keep = $true }
    elseif ($r.Direction -eq 1 -and ($r.Protocol -eq 6 -or $r.Protocol -eq 256)) {
        if ($app -match '(?i)\\(entsso|msdtc)\.exe$') { $keep = $true }
        elseif ($ports -match '(?i)RPC') { $keep = $true }
        elseif ($ports -match '(^|,)\s*135\s*(,|$)' -or $ports -match '\d+\s*-\s*\d+') { $keep = $true }
        elseif (($ports -eq '' -or $ports -eq '*') -and $app -eq '') { $keep = $true }
    }
    if (-not $keep) { continue }
    if ($kept.Count -ge <MAX_RULES>) { $truncated = $true; break }
    [void]$kept.Add(@{
        name = [string]$r.Name
        direction = [int]$r.Direction
        action = [int]$r.Action
        enabled = [bool]$r.Enabled
        profiles = [int]$r.Profiles
        protocol = [int]$r.Protocol
        local_ports = $ports
        application = $app
        service = [string]$r.serviceName
        grouping = $group
        remote_addresses = [string]$r.RemoteAddresses
    })
}
$value = @{ current_profiles = [int]$fw.CurrentProfileTypes; enabled = $enabled; rules = @($kept.ToArray()); truncated = $truncated }
""".replace("<MAX_RULES>", str(MAX_RULES))  # the cap has one home: MAX_RULES above

    @classmethod
    def parse(cls, raw: Any) -> FirewallState:
        doc = expect_type(raw, dict, cls.name)
        current = doc.get("current_profiles")
        if isinstance(current, bool) or not isinstance(current, int):
            raise FactParseError(f"{cls.name}.current_profiles: expected an integer")
        enabled_raw = expect_type(doc.get("enabled"), dict, f"{cls.name}.enabled")
        enabled: dict[int, bool] = {}
        for key, on in enabled_raw.items():
            if not str(key).isdigit():
                raise FactParseError(f"{cls.name}.enabled: profile key {key!r} is not a number")
            enabled[int(key)] = bool(expect_type(on, bool, f"{cls.name}.enabled[{key}]"))
        rules = []
        for i, item in enumerate(as_list(doc.get("rules"), f"{cls.name}.rules")):
            where = f"{cls.name}.rules[{i}]"
            r = expect_type(item, dict, where)
            ints = {}
            for key in ("direction", "action", "profiles", "protocol"):
                v = r.get(key)
                if isinstance(v, bool) or not isinstance(v, int):
                    raise FactParseError(f"{where}.{key}: expected an integer")
                ints[key] = v
            rules.append(FirewallRule(
                name=opt_str(r.get("name"), f"{where}.name") or "",
                direction=ints["direction"],
                action=ints["action"],
                enabled=bool(expect_type(r.get("enabled"), bool, f"{where}.enabled")),
                profiles=ints["profiles"],
                protocol=ints["protocol"],
                local_ports=opt_str(r.get("local_ports"), f"{where}.local_ports") or "",
                application=opt_str(r.get("application"), f"{where}.application") or "",
                service=opt_str(r.get("service"), f"{where}.service") or "",
                grouping=opt_str(r.get("grouping"), f"{where}.grouping") or "",
                remote_addresses=opt_str(r.get("remote_addresses"), f"{where}.remote_addresses") or "*",
            ))
        return FirewallState(current, enabled, tuple(rules), bool(doc.get("truncated")))
