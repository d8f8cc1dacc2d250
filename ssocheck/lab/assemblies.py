""".NET assemblies a simulated node lacks: the farm fails code that needs them the way PowerShell does.

A scenario lists what a node's PowerShell cannot load with ``assemblies: {<assembly name>: false}`` (e.g.
``System.Web.Extensions`` on a Server 2008 R2 node whose PowerShell 2.0 runs on CLR 2 without the .NET 3.5.1
feature; every assembly not listed loads). Windows then answers, per statement:

* ``[Reflection.Assembly]::LoadWithPartialName('X')`` returns ``$null`` (no error: the next use of a type fails);
* ``Add-Type -AssemblyName X``: "Cannot add type. The assembly 'X' could not be found.";
* ``New-Object <type of X>``: "Cannot find type [T]: make sure the assembly containing this type is loaded."
  (PowerShell 2.0's text; 3.0 and later say "verify that");
* ``[<type of X>]::Member``: "Unable to find type [T]: make sure that the assembly containing this type is loaded."

The texts are those PowerShell prints (quoted in public transcripts, e.g. SMO's "Cannot find type
[Microsoft.SqlServer.Management.Smo.Backup]: make sure the assembly containing this type is loaded." on PS 2.0;
Microsoft Learn pages quote the later "Cannot find type [management.managementobject]: verify that ..." form).
Only the types below are known to the farm: a type it does not map to an assembly is assumed loadable.
"""

from __future__ import annotations

from ssocheck.lab.state import NodeState
from ssocheck.psparse import Calls

# Full type name -> the assembly that defines it (types the probe and the port test use).
TYPE_ASSEMBLY = {
    "System.Web.Script.Serialization.JavaScriptSerializer": "System.Web.Extensions",
    "Microsoft.BizTalk.ExplorerOM.BtsCatalogExplorer": "Microsoft.BizTalk.ExplorerOM",
}


def _short(type_name: str) -> str:
    """A type name as psparse normalises it: lower case, without a leading ``System.``."""
    low = type_name.lower()
    return low[len("system."):] if low.startswith("system.") else low


def missing(node: NodeState) -> dict[str, str]:
    """Lower-case name -> name of every assembly the node's PowerShell cannot load."""
    listed = node.extra.get("assemblies") or {}
    return {str(name).lower(): str(name) for name, loads in dict(listed).items() if not loads}


def failure(node: NodeState, found: Calls, ps2: bool) -> str | None:
    """The error the first statement of a fact block needing a missing assembly raises on ``node``, else None."""
    absent = missing(node)
    if not absent:
        return None
    add_type = found.commands.get("add-type", set())
    if "-assemblyname" in add_type:
        for word in sorted(add_type):
            if word in absent:
                return f"Cannot add type. The assembly '{absent[word]}' could not be found."
    verb = "make sure" if ps2 else "verify that"
    for type_name, assembly in TYPE_ASSEMBLY.items():
        if assembly.lower() not in absent:
            continue
        if _short(type_name) in {_short(w) for w in found.commands.get("new-object", set())}:
            return f"Cannot find type [{type_name}]: {verb} the assembly containing this type is loaded."
        if any(t == _short(type_name) for t, _ in found.statics):
            return f"Unable to find type [{type_name}]: make sure that the assembly containing this type is loaded."
    return None
