"""The migration guide's steps, in the numbering the check catalog's "Guide step" column uses.

The guide is the step-by-step procedure for moving the Enterprise SSO master secret server from a
BizTalk node (BTSNODE1) to a separate Windows failover cluster (NODE1/NODE2, network name
BIZTALKCLUSTER), published by Microsoft's support engineers (GTSC India) for BizTalk Server 2010; the
steps hold for later versions. Its own numbering restarts and repeats, so the catalog numbers the steps
in reading order; step 22 appears twice in the guide and is split into 22a and 22b. The titles here are
a summary, not the guide's text (docs/guide-steps.md has the same table for readers).

Each step names the checks whose ``pass`` shows it is done ("verified by"). A step without a check is
one the operator confirms by hand: :attr:`Step.manual` says what to look at, and no report ever shows
such a step as done. This module is data plus two lookups; the runbook view (``ssocheck.runbook``) and
every reporter's "guide step" line read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GUIDE_NAME = "the migration guide (Microsoft GTSC: move the SSO master secret server to a failover cluster)"
GUIDE_SHORT = "Migration guide"

BEFORE = "before the downtime window"
DURING = "during the downtime window"


@dataclass(frozen=True)
class Step:
    """One step of the guide: its number, when it is done, what is done, and how it is verified."""

    number: str  # "1" .. "24", "22a", "22b"
    window: str  # BEFORE or DURING
    title: str
    verified_by: tuple[str, ...] = ()  # check IDs whose pass shows the step is done
    manual: str = ""  # what the operator confirms by hand (the tool cannot see it)

    @property
    def label(self) -> str:
        """``"step 15: Use Network Name ..."``: what a report prints after the guide's name."""
        return f"step {self.number}: {self.title}"


STEPS: tuple[Step, ...] = (
    Step("1", BEFORE, "MSDTC contact IDs (HKCR\\CID) of the new nodes are unique (else msdtc -uninstall / "
         "msdtc -install)", ("DTC001",)),
    Step("2", BEFORE, "MSDTC security settings on the new nodes match the existing BizTalk nodes",
         ("DTC002", "NET003")),
    Step("3", BEFORE, "BizTalk setup on each cluster node installs only Enterprise SSO Administration and "
         "Master Secret Server; configuration not run yet", ("SSO001", "BTS002")),
    Step("4", BEFORE, "A domain account in the SSO Administrators group is designated for ENTSSO, with "
         "'Log on as a service' on every cluster node", ("SSO002", "SSO003", "SSO004", "SSO012")),
    Step("5", BEFORE, "BizTalk Server Configuration is started on the cluster node", (),
         "the configuration program opens with the SQL server and account fields"),
    Step("6", BEFORE, "Custom configuration with the database server, user name and password", (),
         "custom (not basic) configuration chosen"),
    Step("7", BEFORE, "Enterprise SSO enabled, joining the existing SSO system (not creating a new one) with "
         "the existing SSO database and service account", ("SSO005", "SSO004", "SQL001")),
    Step("8", BEFORE, "Apply configuration", (), "the summary shows only Enterprise SSO"),
    Step("9", BEFORE, "The configuration is applied (ENTSSO service installed)", ("SSO001",)),
    Step("10", BEFORE, "Finish", (), "the wizard finished without errors (log reviewed)"),
    Step("11", BEFORE, "The configuration program is closed", (), "the configuration program was closed"),
    Step("12", BEFORE, "The master secret backup file is copied from the current master secret server to the "
         "Enterprise Single Sign-On folder of each cluster node", ("SSO006", "SSO013")),
    Step("13", BEFORE, "A clustered MSDTC resource exists", ("DTC004", "DTC005")),
    Step("14", BEFORE, "ENTSSO is added as a Generic Service resource to the clustered role",
         ("CLU002", "CLU008", "BTS004")),
    Step("15", BEFORE, "'Use Network Name for computer name' is ticked on the ENTSSO resource (else clients get "
         "0xC0002A0F / 0x800706D9)", ("CLU003", "SSO011", "NET002")),
    Step("16", BEFORE, "Dependencies on the network name (and disk) are added to the ENTSSO resource", ("CLU004",)),
    Step("17", BEFORE, "Fail over from NODE1 to NODE2 and back: the service comes online on both",
         ("CLU001", "CLU005", "CLU006", "CLU009"),
         "the failover itself was done (the tool is read-only and never fails over)"),
    Step("18", DURING, "On the active cluster node ENTSSO is stopped and started; an update file naming the "
         "cluster network name as secret server is prepared", (), "ENTSSO restarted on the active node"),
    Step("19", DURING, "ssomanage -updatedb <file>: the SSO database names the cluster network name as master "
         "secret server", ("SSO007", "SSO016", "SSO020")),
    Step("20", DURING, "ssoconfig -restoreSecret <backup> on the active node", ("SSO008", "SSO013", "SSO014")),
    Step("21", DURING, "Fail over the resource: ENTSSO comes online on both nodes",
         ("CLU001", "CLU005", "CLU007", "EVT001"), "the failover itself was done"),
    Step("22a", DURING, "On the new active node the secret is restored too (step 20 again)",
         ("SSO008", "SSO010", "SSO014")),
    Step("22b", DURING, "MSDTC (local and clustered) restarted on every node concerned",
         ("DTC003", "DTC004", "DTC005"), "the restart time after the change (event log)"),
    Step("23", DURING, "ENTSSO restarted on BTSNODE1 and BTSNODE2: they fetch the secret from the cluster",
         ("SSO009", "NET001", "NET002", "BTS003", "SSO016", "EVT001")),
    Step("24", DURING, "From each BizTalk node a receive port and a send port can be created",
         ("BTS001",), "ports created by hand if BTS001 is not allowed (it writes: --allow-changes)"),
)

BY_NUMBER = {step.number: step for step in STEPS}
_ORDER = [step.number for step in STEPS]


def steps_for(guide_step: str) -> list[Step]:
    """The steps a catalog "Guide step" value names: ``"15"``, ``"4, 6"``, ``"18-19"``, ``"22"`` (22a and 22b).

    Unknown numbers are ignored (``"-"`` names none); the order is the guide's.
    """
    numbers: list[str] = []
    for part in re.split(r"[,;]", guide_step or ""):
        part = part.strip().lower()
        if not part or part == "-":
            continue
        span = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if span:
            low, high = int(span.group(1)), int(span.group(2))
            for n in range(low, high + 1):
                numbers += _expand(str(n))
        else:
            numbers += _expand(part)
    wanted = set(numbers)
    return [BY_NUMBER[n] for n in _ORDER if n in wanted]


def _expand(number: str) -> list[str]:
    if number in BY_NUMBER:
        return [number]
    # "22" names both halves of the step the guide writes twice.
    return [n for n in _ORDER if re.fullmatch(rf"{re.escape(number)}[a-z]", n)]


def describe(guide_step: str, check_id: str | None = None) -> str:
    """``"Migration guide step 15: 'Use Network Name ...' ticked ..."``; the raw value when no step is known.

    With ``check_id``, a step the guide writes twice ("22": 22a and 22b) is narrowed to the halves that
    check verifies, when it verifies one of them. Steps are joined with ``"; "``.
    """
    steps = steps_for(guide_step)
    if check_id is not None:
        halves = [s for s in steps if s.number[-1:].isalpha()]
        mine = [s for s in halves if check_id in s.verified_by]
        if mine:
            steps = [s for s in steps if s not in halves or s in mine]
    if not steps:
        return "" if (guide_step or "-").strip() == "-" else f"{GUIDE_SHORT} step {guide_step}"
    return f"{GUIDE_SHORT} " + "; ".join(step.label for step in steps)
