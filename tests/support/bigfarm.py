"""Large reports for the scale tests: the real catalog's metadata on a farm of N nodes.

:func:`big_report` mirrors the review's 500-node farm with failures (``big500-mixed``): BizTalk clones
``BTSNODE0001`` .. plus the cluster nodes NODE1 and NODE2; DTC003 and SSO004 fail on most BizTalk nodes,
CLU003 on both cluster nodes, DTC001 on a clone pair, and ``down`` nodes could not be collected (their
checks error as the runner gives them). ``healthy=True`` gives an all-pass farm (phase skips only), like
the review's ``big200-healthy``. Results follow the runner's rules: one per check and node in the
check's scope, phase skips with the runner's wording, BTS001 skipped without ``--allow-changes``.
"""

from __future__ import annotations

from ssocheck.model import NodeInfo, Phase, Report, Result, Status
from ssocheck.registry import load_checks

DOWN = ("BTSNODE0100", "BTSNODE0250", "BTSNODE0400")
DOWN_ERROR = "cannot connect to {node}:5985: connection refused"


def node_names(n: int) -> list[str]:
    """The BizTalk clones then the two cluster nodes: ``n`` names in all."""
    return [f"BTSNODE{i:04d}" for i in range(1, n - 1)] + ["NODE1", "NODE2"]


def big_report(n: int = 500, *, healthy: bool = False, down: tuple[str, ...] = DOWN,
               phase: Phase = Phase.POST) -> Report:
    """A report of ``n`` nodes (see the module docstring)."""
    metas = {lc.meta.id: lc.meta for lc in load_checks()}
    names = node_names(n)
    down = () if healthy else tuple(d for d in down if d in names)
    nodes = tuple(
        NodeInfo(name, ("sso-cluster",) if name.startswith("NODE") else ("biztalk",),
                 address=f"{name.lower()}.corp.example.com",
                 error=DOWN_ERROR.format(node=name) if name in down else None,
                 ps_version=None if name in down else "5.1.17763.1", duration_s=1.25)
        for name in names
    )
    clones = [x for x in names if x.startswith("BTSNODE") and x not in down]
    failing: dict[tuple[str, str], Result] = {}
    if not healthy:
        for name in clones[:-2]:  # all but two clones
            failing[("DTC003", name)] = Result("DTC003", name, Status.FAIL, "MSDTC is Stopped, not Running",
                                               {"expected": "Running", "found": "Stopped"})
            failing[("SSO004", name)] = Result(
                "SSO004", name, Status.FAIL, "ENTSSO logs on as the built-in account LocalSystem, not a domain account",
                {"expected": "CORP\\svc_sso", "found": "LocalSystem"})
        for name in ("NODE1", "NODE2"):
            failing[("CLU003", name)] = Result(
                "CLU003", name, Status.FAIL, "resource 'Enterprise Single Sign-On Service' has UseNetworkName = 0",
                {"expected": "UseNetworkName = 1", "found": "UseNetworkName = 0",
                 "resource": "Enterprise Single Sign-On Service", "role": "SSO"})
        pair = clones[-2:]
        for name, peer in zip(pair, reversed(pair), strict=True):
            failing[("DTC001", name)] = Result(
                "DTC001", name, Status.FAIL, f"MSDTC CID 1887b7af-685e-48d2-a593-fb82cfe1c9c2 is also on {peer}",
                {"shared_with": {"1887b7af-685e-48d2-a593-fb82cfe1c9c2": [peer]}})
    results: list[Result] = []
    for cid, meta in sorted(metas.items()):
        for node in nodes:
            if not set(node.roles) & set(meta.roles):
                continue
            if phase not in meta.phases:
                results.append(Result(cid, node.name, Status.SKIP, f"not run in phase {phase.value} (runs in "
                                      f"{', '.join(p.value for p in meta.phases)})"))
            elif meta.writes:
                results.append(Result(cid, node.name, Status.SKIP, "changes state; runs only with --allow-changes"))
            elif node.error:
                results.append(Result(cid, node.name, Status.ERROR,
                                      f"cannot evaluate: {meta.facts[0] if meta.facts else 'facts'}: node not "
                                      f"collected: {node.error}"))
            else:
                results.append(failing.get((cid, node.name)) or Result(cid, node.name, Status.PASS, "as expected"))
    audit = [{"node": node.name, "purpose": "fact probe (read-only)", "sha256": "ab12" * 16, "size": 48213,
              "facts": ["services", "msdtc_cids", "cluster"], "changes_state": False,
              "started_at": "2030-01-10T02:00:00Z", "duration_s": 1.25,
              "outcome": "failed" if node.error else "ok"} for node in nodes]
    return Report(tool_version="0.1.0", phase=phase, group="BizTalkGroup", source="live",
                  started_at="2030-01-10T02:00:00Z", finished_at="2030-01-10T02:00:21Z", nodes=nodes,
                  checks=metas, results=tuple(results), sections={"audit": audit}, duration_s=21.0)
