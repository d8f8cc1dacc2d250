"""Cluster role policy facts of a simulated node: ``entsso_failure_policy`` and ``cluster_access``.

Scenario state read here, in ``clusters.<name>`` (see ``scenarios/_farm.yaml``):

* a resource's ``policy: {RestartAction, RestartThreshold, RestartPeriod, PendingTimeout}`` and a group's
  ``policy: {FailoverThreshold, FailoverPeriod}`` (the cluster's defaults when absent);
* ``access: [{identity, access: Allow|Deny, rights: Full|Read}]`` (Get-ClusterAccess; a cluster without
  ``access`` has the defaults of a new cluster: Administrators and the cluster service Full);
* a node's ``entsso_recovery: [restart, none, ...]``: the SCM recovery actions of its local ENTSSO service,
  stored as the ``FailureActions`` REG_BINARY value (absent: no recovery configured).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import EmulationError, emulates
from ssocheck.lab.emulation.cluster import cluster as cluster_view
from ssocheck.lab.language import name_of, sid_of
from ssocheck.lab.state import FarmState, NodeState

RESOURCE_DEFAULTS = {"RestartAction": 2, "RestartThreshold": 1, "RestartPeriod": 900000, "PendingTimeout": 180000}
GROUP_DEFAULTS = {"FailoverThreshold": 4294967295, "FailoverPeriod": 6}
SC_ACTIONS = {"none": 0, "restart": 1, "reboot": 2, "run": 3}
WELL_KNOWN = {"BUILTIN\\ADMINISTRATORS": "S-1-5-32-544", "NT AUTHORITY\\SYSTEM": "S-1-5-18",
              "NT SERVICE\\CLUSSVC": "S-1-5-80-3675059962-2530356524-4133380018-1378396823-2186591380"}
# The snippet's text (facts/clusterpolicy.py), duplicated: the lab does not import the client's code.
ACCESS_NEEDS_MODULE = ("the FailoverClusters module is missing, and Get-ClusterAccess needs it: install "
                       "RSAT-Clustering-PowerShell (Install-WindowsFeature RSAT-Clustering-PowerShell; Windows "
                       "Server 2008 R2: Add-WindowsFeature RSAT-Clustering)")
DEFAULT_ACCESS = [{"identity": "BUILTIN\\Administrators", "access": "Allow", "rights": "Full"},
                  {"identity": "NT SERVICE\\ClusSvc", "access": "Allow", "rights": "Full"}]


def failure_actions_blob(actions: list[str]) -> bytes:
    """SERVICE_FAILURE_ACTIONS as the registry stores it: 5 DWORDs (reset period, reboot message, command,
    count, offset 20 of the array), then {Type, Delay 60000 ms} per action."""
    head = struct.pack("<IIIII", 86400, 0, 0, len(actions), 20)
    return head + b"".join(struct.pack("<II", SC_ACTIONS[a.lower()], 60000) for a in actions)


@emulates(
    "entsso_failure_policy",
    calls=('Get-ClusterResource', 'Get-ClusterParameter', r"'\services\entsso'",),
)
def entsso_failure_policy(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """The ENTSSO Generic Service resources' common properties and the local service's FailureActions."""
    view = cluster_view(farm, node, params)  # the same errors as the cluster fact (no module, service down)
    doc = farm.cluster_of(node) or {}
    groups = {str(k): dict(v or {}) for k, v in dict(doc.get("groups") or {}).items()}
    raw_resources = {str(k): dict(v or {}) for k, v in dict(doc.get("resources") or {}).items()}
    out = []
    for res in view["resources"]:
        if res["type"].lower() != "generic service" or str(res["private"].get("ServiceName")).upper() != "ENTSSO":
            continue
        policy = {**RESOURCE_DEFAULTS, **dict(raw_resources[res["name"]].get("policy") or {})}
        gpolicy = {**GROUP_DEFAULTS, **dict(groups.get(res["group"], {}).get("policy") or {})}
        out.append({
            "name": res["name"], "group": res["group"],
            "restart_action": policy["RestartAction"], "restart_threshold": policy["RestartThreshold"],
            "restart_period": policy["RestartPeriod"], "pending_timeout": policy["PendingTimeout"],
            "failover_threshold": gpolicy["FailoverThreshold"], "failover_period": gpolicy["FailoverPeriod"],
        })
    recovery = node.extra.get("entsso_recovery")
    blob = None if not recovery else base64.b64encode(failure_actions_blob([str(a) for a in recovery])).decode()
    return {"resources": out, "scm_failure_actions": blob}


@emulates(
    "cluster_access",
    calls=('Get-ClusterAccess', '.Translate',),
)
def cluster_access(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Get-ClusterAccess entries, each identity translated to a SID (directory accounts, well-known names).

    Unlike the cluster fact, the snippet has no WMI fallback: a node without the FailoverClusters module fails
    with the snippet's own message."""
    if not bool(dict(node.extra.get("modules") or {}).get("FailoverClusters", bool(node.cluster))) and node.cluster:
        raise EmulationError(ACCESS_NEEDS_MODULE)
    cluster_view(farm, node, params)
    doc = farm.cluster_of(node) or {}
    entries = doc.get("access")
    if entries is None:
        entries = DEFAULT_ACCESS
    if not isinstance(entries, list):
        raise EmulationError("ssocheck lab: clusters.<name>.access must be a list")
    out = []
    for e in entries:
        identity = str(e.get("identity"))
        account = farm.account(identity)
        sid = str(account.get("sid")) if account else WELL_KNOWN.get(identity.upper()) or sid_of(identity)
        if not account and sid:
            # Get-ClusterAccess shows a well-known account by the name the node's LSA gives it (localised).
            identity = name_of(node, sid, identity)
        out.append({"identity": identity, "sid": sid, "access": str(e.get("access") or "Allow"),
                    "rights": str(e.get("rights") or "Full")})
    return out


@emulates(
    "dtc_cluster_mapping",
    calls=('Get-DtcClusterTMMapping', 'Get-DtcClusterDefault',),
)
def dtc_cluster_mapping(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``clusters.<name>.dtc: {mappings: [{name, application_type, application, local, resource}], default}``.

    The MsDtc module exists from Windows Server 2012 (``os_version`` 6.2): older nodes answer
    ``available: false``. Without a ``default`` the cluster's first DTC resource is the default, named
    ``MSDTC-<network name of its role>`` as Get-Dtc names clustered instances.
    """
    major_minor = tuple(int(p) for p in [*node.os_version.split("."), "0", "0"][:2])
    if major_minor < (6, 2):
        return {"available": False, "mappings": [], "default": None, "error": None}
    view = cluster_view(farm, node, params)
    doc = dict((farm.cluster_of(node) or {}).get("dtc") or {})
    default = doc.get("default")
    if default is None:
        dtcs = [r for r in view["resources"] if r["type"].lower() == "distributed transaction coordinator"]
        if dtcs:
            names = [r["private"].get("Name") for r in view["resources"]
                     if r["type"].lower() == "network name" and r["group"] == dtcs[0]["group"]]
            default = f"MSDTC-{names[0] if names and names[0] else dtcs[0]['name']}"
    mappings = [{"name": str(m.get("name")), "application_type": str(m.get("application_type") or "Service"),
                 "application": str(m.get("application") or ""), "local": bool(m.get("local", False)),
                 "resource": str(m.get("resource") or "")} for m in doc.get("mappings") or []]
    return {"available": True, "mappings": mappings, "default": default, "error": None}
