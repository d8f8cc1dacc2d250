"""SYS001's inputs through the real transport: millisecond clock readings, stamped when the answer arrived."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ssocheck.collect import gather
from ssocheck.facts.system import parse_utc
from ssocheck.inventory import load_inventory
from ssocheck.registry import load_checks
from tests.support.lab import LabRun, case_id

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lab", [("healthy-post", "http")], ids=case_id, indirect=True)
def test_clock_and_arrival_are_read_to_the_millisecond(lab: LabRun) -> None:
    inv = load_inventory(lab.inventory)
    checks = [lc.check for lc in load_checks()]
    snapshot, _audit = gather(inv, checks, inv.password())
    done = datetime.now(timezone.utc)
    for node in snapshot.nodes:
        assert node.clock_utc and "." in node.clock_utc, node.clock_utc  # yyyy-MM-ddTHH:mm:ss.fffZ
        clock, arrived = parse_utc(node.clock_utc), parse_utc(node.received_utc)
        assert clock is not None and arrived is not None
        # The node's clock (no offset in this farm) was read before the answer arrived, and the arrival is
        # stamped by the Receive that carried it, before the shell was cleaned up and the run ended.
        assert clock <= arrived <= done
        assert (arrived - clock).total_seconds() < 5
