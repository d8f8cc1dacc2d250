"""What ssocheck reads of the ENTSSO event log: the event IDs, the newest-per-ID cap and the window.

The one home of these three values. The ``sso_events`` fact (``ssocheck/facts/events.py``) builds its
PowerShell snippet from them, and the simulated farm (``ssocheck/lab/emulation/secret.py``) answers with
the same selection, so the probe and the farm cannot drift apart (``tests/facts/test_event_query.py``).
This module imports nothing: the lab may use it without sharing any code it is meant to test.
"""

from __future__ import annotations

# The events the checks read (domain.md §8, §9, §11); 10767 is normally an HRESULT, not an event,
# but it is collected if ever logged.
WATCHED_IDS: tuple[int, ...] = (
    10501, 10520, 10521, 10523, 10524, 10529, 10532, 10533, 10534, 10536, 10550,
    10565, 10575, 10589, 10599, 10611, 10728, 10767,
)
# Newest events kept per event ID, and how far back the probe looks: a flood of one kind (10536
# audits on a broken BizTalk node) must not push the rare ones (the last restore) out of view.
PER_ID_CAP = 20
WINDOW_DAYS = 365
