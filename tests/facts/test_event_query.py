"""The ENTSSO event IDs, per-ID cap and window live in ssocheck/sso_event_query.py; probe and farm use them.

The probe's PowerShell and the simulated farm are two independent readers of the same contract (what
Windows is asked for); these tests fail if either one gets its own copy back.
"""

from __future__ import annotations

import re

from ssocheck import sso_event_query
from ssocheck.facts.events import SsoEvents
from ssocheck.lab.emulation import load_all
from ssocheck.lab.emulation import secret as lab_secret
from ssocheck.lab.state import Event, load_scenario


def test_the_snippet_asks_for_exactly_the_shared_ids_cap_and_window() -> None:
    script = SsoEvents.script
    ids = re.search(r"^\$ids = @\(([^)]*)\)$", script, re.M)
    assert ids, script
    assert tuple(int(i) for i in ids.group(1).split(",")) == sso_event_query.WATCHED_IDS
    assert re.search(rf"^\$cap = {sso_event_query.PER_ID_CAP}$", script, re.M)
    assert f"AddDays(-{sso_event_query.WINDOW_DAYS})" in script
    assert "-MaxEvents $cap" in script and "Id = $id" in script and "StartTime = $since" in script
    # No literal copy of an ID outside the generated list.
    assert script.count("10536") == 1


def test_the_farm_answers_with_the_same_ids_and_cap() -> None:
    # vars(): the emulator module uses the names, it does not re-export them.
    assert vars(lab_secret)["WATCHED_IDS"] is sso_event_query.WATCHED_IDS
    assert vars(lab_secret)["PER_ID_CAP"] is sso_event_query.PER_ID_CAP
    farm = load_scenario("healthy-post")
    node = farm.node("BTSNODE1")
    assert node is not None
    flood = sso_event_query.PER_ID_CAP + 5
    node.events = (
        [Event(id=10536, time=f"2026-11-01T00:{i:02d}:00Z", strings=[]) for i in range(flood)]
        + [Event(id=10523, time="2026-10-01T00:00:00Z", strings=[])]  # a rare one behind the flood
        + [Event(id=10502, time="2026-11-02T00:00:00Z", strings=[])]  # not watched
    )
    answered = load_all()["sso_events"](farm, node, {})
    ids = [e["id"] for e in answered]
    assert ids.count(10536) == sso_event_query.PER_ID_CAP
    assert 10523 in ids and 10502 not in ids
    assert set(ids) <= set(sso_event_query.WATCHED_IDS)
    # Newest first, so the cap keeps the newest of the flood.
    assert answered[0]["time"] == f"2026-11-01T00:{flood - 1:02d}:00Z"
