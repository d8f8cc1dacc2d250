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
    # Issue 18: backups and secret generation (SSO013), failures nothing else reads (EVT001).
    10513, 10514, 10525, 10559, 10602, 10603, 10605, 11016, 11049,
)
# Newest events kept per event ID, and how far back the probe looks: a flood of one kind (10536
# audits on a broken BizTalk node) must not push the rare ones (the last restore) out of view.
PER_ID_CAP = 20
WINDOW_DAYS = 365

# System-log failures of the ENTSSO service and its cluster resource (EVT001), read the same bounded way: one
# query per (provider, ID), the newest PER_ID_CAP within WINDOW_DAYS. Service Control Manager 7038 (logon
# failure: a password changed on one node only) and 7041 (logon type not granted, KB 871236); Failover
# Clustering 1069 (resource failed) and 1040-1042 (Generic Service could not be brought online / failed).
SYSTEM_QUERIES: tuple[tuple[str, int], ...] = (
    ("Service Control Manager", 7038),
    ("Service Control Manager", 7041),
    ("Microsoft-Windows-FailoverClustering", 1069),
    ("Microsoft-Windows-FailoverClustering", 1040),
    ("Microsoft-Windows-FailoverClustering", 1041),
    ("Microsoft-Windows-FailoverClustering", 1042),
)
