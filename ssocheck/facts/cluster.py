"""Failover cluster facts: nodes, groups, resources with private properties, dependencies, owners, checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

SOURCES = ("FailoverClusters", "wmi")


@dataclass(frozen=True)
class ClusterNode:
    """A cluster member and its state (Up, Down, Paused, Joining)."""

    name: str
    state: str


@dataclass(frozen=True)
class ClusterGroup:
    """A cluster role (group) and where it runs."""

    name: str
    owner_node: str
    state: str


@dataclass(frozen=True)
class ClusterResource:
    """A cluster resource with what the SSO checks need to see of it."""

    name: str
    type: str
    group: str
    state: str
    owner_node: str
    private: dict[str, Any] = field(default_factory=dict)
    dependency_expression: str = ""
    possible_owners: tuple[str, ...] = ()
    registry_checkpoints: tuple[str, ...] = ()

    def private_str(self, key: str) -> str:
        """A private property as text ('' when absent); property names are case-insensitive."""
        for k, v in self.private.items():
            if k.lower() == key.lower():
                return "" if v is None else str(v)
        return ""


@dataclass(frozen=True)
class ClusterState:
    """The cluster as seen from one of its nodes."""

    name: str
    nodes: tuple[ClusterNode, ...]
    groups: tuple[ClusterGroup, ...]
    resources: tuple[ClusterResource, ...]
    # Which interface answered: the FailoverClusters module or the cluster WMI provider (root\MSCluster).
    source: str = "FailoverClusters"

    def resources_of_type(self, rtype: str) -> list[ClusterResource]:
        """Resources whose type name matches (case-insensitive)."""
        return [r for r in self.resources if r.type.lower() == rtype.lower()]

    def network_name_resource(self, network_name: str) -> ClusterResource | None:
        """The Network Name resource whose NetBIOS/DNS name is ``network_name`` (case-insensitive)."""
        want = network_name.split(".")[0].lower()
        for res in self.resources_of_type("Network Name"):
            names = {res.private_str("Name").lower(), res.private_str("DnsName").split(".")[0].lower()}
            if want in names:
                return res
        return None

    def entsso_resources(self) -> list[ClusterResource]:
        """Generic Service resources whose ServiceName is ENTSSO."""
        return [
            r for r in self.resources_of_type("Generic Service") if r.private_str("ServiceName").upper() == "ENTSSO"
        ]


class Cluster(Fact[ClusterState]):
    """The failover cluster this node belongs to: FailoverClusters module, else WMI ``root\\MSCluster``.

    The FailoverClusters module ships with RSAT-Clustering-PowerShell only ("you may need to add ...
    Add-WindowsFeature RSAT-Clustering-PowerShell", windows-powershell-docs FailoverClusters.md); a node
    built with ``Install-WindowsFeature Failover-Clustering`` alone lacks it (review probe.md D6). The
    cluster service's WMI provider is on every cluster node and works on PowerShell 2.0; it needs the
    Packet Privacy authentication level (Failover Clustering team blog, "Creating a Cluster with WMI").
    Both paths give the same shape; ``source`` records which one answered. From WMI the states are
    mapped to the module's names (MSCluster_Node/ResourceGroup/Resource ``State`` values), the
    dependencies come from ``MSCluster_ResourceToDependentResource`` and are written ``[A] and [B]``
    (an ``or`` expression cannot be told apart there), possible owners from
    ``MSCluster_ResourceToPossibleOwner``, checkpoints from ``RegistryCheckpoints``.

    Raw value: ``{"name", "source": "FailoverClusters" | "wmi", "nodes": [{"name", "state"}],
    "groups": [{"name", "owner_node", "state"}], "resources": [{"name", "type", "group", "state",
    "owner_node", "private": {prop: value}, "dependency_expression", "possible_owners": [..],
    "registry_checkpoints": [..]}]}``. Binary private properties are replaced by the text ``<binary>``;
    a snapshot without ``source`` came from the module.
    """

    name = "cluster"
    description = "Failover cluster nodes, groups, resources, private properties, dependencies, checkpoints"
    script = r"""
$nodes = New-Object System.Collections.ArrayList
$groups = New-Object System.Collections.ArrayList
$resources = New-Object System.Collections.ArrayList
if (@(Get-Module -ListAvailable -Name FailoverClusters).Length -gt 0) {
    $source = 'FailoverClusters'
    Import-Module FailoverClusters
    $cl = Get-Cluster
    $clusterName = [string]$cl.Name
    foreach ($n in @(Get-ClusterNode)) {
        [void]$nodes.Add(@{ name = [string]$n.Name; state = [string]$n.State })
    }
    foreach ($g in @(Get-ClusterGroup)) {
        [void]$groups.Add(@{ name = [string]$g.Name; owner_node = [string]$g.OwnerNode.Name; state = [string]$g.State })
    }
    foreach ($r in @(Get-ClusterResource)) {
        $private = @{}
        foreach ($p in @($r | Get-ClusterParameter -ErrorAction SilentlyContinue)) {
            if ($p.Value -is [byte[]]) { $private[[string]$p.Name] = '<binary>' } else { $private[[string]$p.Name] = $p.Value }
        }
        $dep = ''
        $depObj = Get-ClusterResourceDependency -Resource $r.Name -ErrorAction SilentlyContinue
        if ($null -ne $depObj) { $dep = [string]$depObj.DependencyExpression }
        $owners = New-Object System.Collections.ArrayList
        $ownerObj = Get-ClusterOwnerNode -Resource $r.Name -ErrorAction SilentlyContinue
        if ($null -ne $ownerObj) { foreach ($o in @($ownerObj.OwnerNodes)) { [void]$owners.Add([string]$o.Name) } }
        $checkpoints = New-Object System.Collections.ArrayList
        foreach ($c in @(Get-ClusterCheckpoint -ResourceName $r.Name -RegistryCheckpoint -ErrorAction SilentlyContinue)) {
            [void]$checkpoints.Add([string]$c.Name)
        }
        [void]$resources.Add(@{
            name = [string]$r.Name
            type = [string]$r.ResourceType.Name
            group = [string]$r.OwnerGroup.Name
            state = [string]$r.State
            owner_node = [string]$r.OwnerNode.Name
            private = $private
            dependency_expression = $dep
            possible_owners = @($owners.ToArray())
            registry_checkpoints = @($checkpoints.ToArray())
        })
    }
} else {
    $source = 'wmi'
    function Get-SsoClusterWmi([string]$class) {
        Get-WmiObject -Namespace 'root\MSCluster' -Authentication PacketPrivacy -Class $class -ErrorAction Stop
    }
    try {
        $cl = @(Get-SsoClusterWmi MSCluster_Cluster)[0]
    } catch {
        throw ('the FailoverClusters module is missing (RSAT-Clustering-PowerShell) and WMI root\MSCluster does not answer (not a cluster node, or its cluster service is down): ' + $_.Exception.Message)
    }
    $clusterName = [string]$cl.Name
    # The Name key out of a WMI object path: MSCluster_Resource.Name="Cluster \"A\" Disk" (inside the quotes WMI
    # escapes '"' and '\' with a backslash). The pattern is .NET regex text in a single-quoted string: '\\' is one
    # escaped backslash for the regex (tests/facts/test_snippet_regexes.py compiles and runs every such pattern).
    function Get-SsoWmiName([string]$path) {
        $m = [regex]::Match($path, 'Name="((?:[^"\\]|\\.)*)"')
        if (-not $m.Success) { return $path }
        return [regex]::Replace($m.Groups[1].Value, '\\(.)', '$1')
    }
    $nodeStates = @{ '0' = 'Up'; '1' = 'Down'; '2' = 'Paused'; '3' = 'Joining' }
    $groupStates = @{ '0' = 'Online'; '1' = 'Offline'; '2' = 'Failed'; '3' = 'PartialOnline'; '4' = 'Pending' }
    $resStates = @{ '0' = 'Inherited'; '1' = 'Initializing'; '2' = 'Online'; '3' = 'Offline'; '4' = 'Failed'; '128' = 'Pending'; '129' = 'OnlinePending'; '130' = 'OfflinePending' }
    function Get-SsoState($map, $code) {
        $key = [string]$code
        if ($map.ContainsKey($key)) { return $map[$key] }
        return 'Unknown'
    }
    foreach ($n in @(Get-SsoClusterWmi MSCluster_Node)) {
        [void]$nodes.Add(@{ name = [string]$n.Name; state = (Get-SsoState $nodeStates $n.State) })
    }
    $groupOwner = @{}
    foreach ($a in @(Get-SsoClusterWmi MSCluster_NodeToActiveGroup)) {
        $groupOwner[(Get-SsoWmiName $a.PartComponent)] = (Get-SsoWmiName $a.GroupComponent)
    }
    foreach ($g in @(Get-SsoClusterWmi MSCluster_ResourceGroup)) {
        [void]$groups.Add(@{ name = [string]$g.Name; owner_node = [string]$groupOwner[[string]$g.Name]; state = (Get-SsoState $groupStates $g.State) })
    }
    $resGroup = @{}
    foreach ($a in @(Get-SsoClusterWmi MSCluster_ResourceGroupToResource)) {
        $resGroup[(Get-SsoWmiName $a.PartComponent)] = (Get-SsoWmiName $a.GroupComponent)
    }
    $deps = @{}
    foreach ($a in @(Get-SsoClusterWmi MSCluster_ResourceToDependentResource)) {
        $dependent = Get-SsoWmiName $a.Dependent
        if (-not $deps.ContainsKey($dependent)) { $deps[$dependent] = New-Object System.Collections.ArrayList }
        [void]$deps[$dependent].Add('[' + (Get-SsoWmiName $a.Antecedent) + ']')
    }
    $possible = @{}
    foreach ($a in @(Get-SsoClusterWmi MSCluster_ResourceToPossibleOwner)) {
        $res = Get-SsoWmiName $a.GroupComponent
        if (-not $possible.ContainsKey($res)) { $possible[$res] = New-Object System.Collections.ArrayList }
        [void]$possible[$res].Add((Get-SsoWmiName $a.PartComponent))
    }
    foreach ($r in @(Get-SsoClusterWmi MSCluster_Resource)) {
        $rname = [string]$r.Name
        $private = @{}
        if ($null -ne $r.PrivateProperties) {
            foreach ($p in @($r.PrivateProperties.Properties)) {
                if ($p.Value -is [byte[]]) { $private[[string]$p.Name] = '<binary>' } else { $private[[string]$p.Name] = $p.Value }
            }
        }
        $dep = ''
        if ($deps.ContainsKey($rname)) { $dep = [string]::Join(' and ', [string[]]$deps[$rname].ToArray()) }
        $owners = @()
        if ($possible.ContainsKey($rname)) { $owners = @($possible[$rname].ToArray()) }
        $group = [string]$resGroup[$rname]
        $state = Get-SsoState $resStates $r.State
        $checkpoints = New-Object System.Collections.ArrayList
        foreach ($c in @($r.RegistryCheckpoints)) { if ($null -ne $c) { [void]$checkpoints.Add([string]$c) } }
        [void]$resources.Add(@{
            name = $rname
            type = [string]$r.Type
            group = $group
            state = $state
            owner_node = [string]$groupOwner[$group]
            private = $private
            dependency_expression = $dep
            possible_owners = $owners
            registry_checkpoints = @($checkpoints.ToArray())
        })
    }
}
$value = @{ name = $clusterName; source = $source; nodes = @($nodes.ToArray()); groups = @($groups.ToArray()); resources = @($resources.ToArray()) }
"""

    @classmethod
    def parse(cls, raw: Any) -> ClusterState:
        doc = expect_type(raw, dict, cls.name)

        def text(item: dict[str, Any], key: str, where: str, required: bool = True) -> str:
            value = opt_str(item.get(key), f"{where}.{key}")
            if required and not value:
                raise FactParseError(f"{where}: '{key}' is required")
            return value or ""

        nodes = tuple(
            ClusterNode(text(n, "name", f"cluster.nodes[{i}]"), text(n, "state", f"cluster.nodes[{i}]"))
            for i, n in enumerate(expect_type(x, dict, "cluster.nodes[]") for x in as_list(doc.get("nodes"), "n"))
        )
        groups = tuple(
            ClusterGroup(
                text(g, "name", f"cluster.groups[{i}]"),
                text(g, "owner_node", f"cluster.groups[{i}]", required=False),
                text(g, "state", f"cluster.groups[{i}]", required=False),
            )
            for i, g in enumerate(expect_type(x, dict, "cluster.groups[]") for x in as_list(doc.get("groups"), "g"))
        )
        resources = []
        for i, item in enumerate(as_list(doc.get("resources"), "resources")):
            where = f"cluster.resources[{i}]"
            r = expect_type(item, dict, where)
            private = r.get("private") or {}
            expect_type(private, dict, f"{where}.private")
            resources.append(
                ClusterResource(
                    name=text(r, "name", where),
                    type=text(r, "type", where),
                    group=text(r, "group", where, required=False),
                    state=text(r, "state", where, required=False),
                    owner_node=text(r, "owner_node", where, required=False),
                    private=dict(private),
                    dependency_expression=text(r, "dependency_expression", where, required=False),
                    possible_owners=tuple(str(o) for o in as_list(r.get("possible_owners"), where)),
                    registry_checkpoints=tuple(str(c) for c in as_list(r.get("registry_checkpoints"), where)),
                )
            )
        source = opt_str(doc.get("source"), f"{cls.name}.source") or "FailoverClusters"
        if source not in SOURCES:
            raise FactParseError(f"{cls.name}.source: expected one of {', '.join(SOURCES)}, got {source!r}")
        return ClusterState(text(doc, "name", cls.name, required=False), nodes, groups, tuple(resources), source)
