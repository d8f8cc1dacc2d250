"""MSDTC checks (CHECKS.md DTC0xx)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, failed, passed
from ssocheck.facts.msdtc import MSDTC_DESCRIPTIONS, MsdtcCids
from ssocheck.model import Severity

DOCS_MSDTC = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-problems-with-msdtc"


class MsdtcCidUnique(GroupCheck):
    """Every MSDTC contact CID is present once per node and no CID is shared by two machines.

    Disk images cloned without reinstalling MSDTC keep the same CIDs (MSDTC, MSDTCUIS, MSDTCTIPGW,
    MSDTCXATM); distributed transactions between such machines then fail, and SSO uses DTC.
    """

    id = "DTC001"
    name = "msdtc-cid-unique"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster", "sql")
    facts = (MsdtcCids,)
    guide_step = "1"
    remediation = (
        "On every node that shares a CID (all but one of the clones), as Administrator run "
        "'msdtc -uninstall' then 'msdtc -install', set the MSDTC service to Automatic, re-apply the "
        "MSDTC security settings (reinstalling resets them) and reboot."
    )
    references = (DOCS_MSDTC, "MS-CMOM 2.2.3.5 (HKCR\\CID contact keys)")

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        holders: dict[str, set[str]] = defaultdict(set)
        per_node = {node.name: node.get(MsdtcCids) for node in nodes}
        for name, entries in per_node.items():
            for entry in entries:
                holders[entry.cid].add(name)
        for name, entries in per_node.items():
            by_desc: dict[str, list[str]] = defaultdict(list)
            for entry in entries:
                by_desc[entry.description].append(entry.cid)
            problems: list[str] = []
            shared = {
                cid: sorted(holders[cid] - {name})
                for cid in sorted({e.cid for e in entries})
                if len(holders[cid]) > 1
            }
            for cid, others in shared.items():
                desc = next(e.description for e in entries if e.cid == cid)
                problems.append(f"{desc} CID {cid} is also on {', '.join(others)}")
            # MSDTCTIPGW is absent only on the NT4-era registry protocol version 1.
            missing = [d for d in MSDTC_DESCRIPTIONS if d not in by_desc]
            if missing:
                problems.append(f"missing {', '.join(missing)} (MSDTC not installed or damaged)")
            doubled = sorted(d for d, cids in by_desc.items() if len(cids) > 1)
            if doubled:
                problems.append(f"more than one CID for {', '.join(doubled)}")
            cids = {e.description: e.cid for e in entries}
            if problems:
                yield failed(
                    "; ".join(problems),
                    node=name,
                    expected="one CID per description (MSDTC, MSDTCUIS, MSDTCTIPGW, MSDTCXATM), unique across nodes",
                    found=cids,
                    shared_with=shared,
                )
            else:
                yield passed(f"{len(entries)} MSDTC CIDs, none shared with another node", node=name, found=cids)
CHECKS = [MsdtcCidUnique]
