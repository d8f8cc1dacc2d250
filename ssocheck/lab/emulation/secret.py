"""The master secret side of a simulated node: ENTSSO events and the SSOSS key names.

* ``sso_events``: the node's ``events`` (scenario state) that the real snippet would return:
  Application log, source ENTSSO, the watched IDs, newest first, at most ``PER_ID_CAP`` per ID.
  The snippet's one-year window is not applied: scenario events carry fixed dates and a window
  relative to the wall clock would make scenarios change behaviour as time passes.
* ``sso_secret_keys``: the sub-key names of ``HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS`` in the
  node's registry (``HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS\\<guid>`` keys in the scenario).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import EmulationError, emulates, identity_of, utc_text
from ssocheck.lab.emulation.sso import is_sso_admin
from ssocheck.lab.language import language
from ssocheck.lab.state import FarmState, NodeState

# The same IDs and cap the probe's snippet asks Windows for (the lab never imports the facts themselves).
from ssocheck.sso_event_query import PER_ID_CAP, SYSTEM_QUERIES, WATCHED_IDS

SSOSS = r"HKLM\SOFTWARE\Microsoft\ENTSSO\SSOSS"
SSOSS_WOW = r"HKLM\SOFTWARE\Wow6432Node\Microsoft\ENTSSO\SSOSS"


@emulates(
    "sso_events",
    calls=('Get-WinEvent',),
)
def sso_events(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"id", "time", "strings"}]`` newest first, as Get-EventLog -Source ENTSSO lists them.

    Events of the same second keep their scenario order reversed (the log lists the newest record
    first, and scenarios list events oldest first).
    """
    counts: dict[int, int] = {}
    out: list[dict[str, Any]] = []
    ordered = sorted(enumerate(node.events), key=lambda pair: (utc_text(pair[1].time), pair[0]), reverse=True)
    for _, event in ordered:
        if event.source.upper() != "ENTSSO" or event.id not in WATCHED_IDS:
            continue
        if counts.get(event.id, 0) >= PER_ID_CAP:
            continue
        counts[event.id] = counts.get(event.id, 0) + 1
        if event.message is not None and not event.strings:
            out.append({"id": int(event.id), "time": utc_text(event.time), "strings": [],
                        "message": rendered(event.message, node)})
            continue
        out.append({"id": int(event.id), "time": utc_text(event.time), "strings": [str(s) for s in event.strings]})
    return out


def rendered(message: str | Mapping[str, str], node: NodeState) -> str:
    """An event's text as the node renders it: in its display language when the scenario gives several (the event
    log renders messages from the provider's resources in the viewer's UI language), else the text as given."""
    if isinstance(message, str):
        return message
    texts = {str(k): str(v) for k, v in message.items()}
    return texts.get(language(node)) or texts.get("en-US") or next(iter(texts.values()), "")


@emulates(
    "sso_secret_keys",
    calls=(r"'\microsoft\entsso\ssoss'", 'Get-ChildItem',),
)
def sso_secret_keys(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"present", "keys"}``: whether SSOSS exists and its sub-key names.

    A session whose account is not an SSO administrator (:func:`~ssocheck.lab.emulation.sso.is_sso_admin`), or a
    node with ``extra.ssoss_access_denied: true``, is denied the read, which the real Get-ChildItem reports as an
    exception, so the fact fails instead of looking empty.
    """
    if node.extra.get("ssoss_access_denied") or not is_sso_admin(farm, node, identity_of(params)):
        # The SSOSS key's ACL admits only SSO administrators (and SYSTEM): Get-ChildItem throws SecurityException.
        raise EmulationError(
            "Requested registry access is not allowed. (HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS)"
        )
    for view, key in (("native", SSOSS), ("wow6432", SSOSS_WOW)):
        if node.registry.key_exists(key):
            return {"present": True, "keys": node.registry.subkeys(key), "view": view}
    return {"present": False, "keys": [], "view": None}


@emulates(
    "system_failure_events",
    calls=('Get-WinEvent', r"'\cluster\resources'",),
)
def system_failure_events(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"events": [{"provider", "id", "time", "strings"}], "entsso_resources": [..]}``.

    The node's scenario ``events`` whose ``source`` and ``id`` are one of the System-log queries, newest first,
    at most ``PER_ID_CAP`` per query; the ENTSSO Generic Service resources of the node's cluster (what its
    cluster hive lists), none outside a cluster.
    """
    wanted = {(provider.lower(), event_id) for provider, event_id in SYSTEM_QUERIES}
    counts: dict[tuple[str, int], int] = {}
    events: list[dict[str, Any]] = []
    ordered = sorted(enumerate(node.events), key=lambda pair: (utc_text(pair[1].time), pair[0]), reverse=True)
    for _, event in ordered:
        key = (event.source.lower(), int(event.id))
        if key not in wanted or counts.get(key, 0) >= PER_ID_CAP:
            continue
        counts[key] = counts.get(key, 0) + 1
        events.append({"provider": event.source, "id": int(event.id), "time": utc_text(event.time),
                       "strings": [str(s) for s in event.strings]})
    resources: list[str] = []
    cluster = farm.cluster_of(node)
    for name, raw in dict((cluster or {}).get("resources") or {}).items():
        res = dict(raw or {})
        private = dict(res.get("private") or {})
        if str(res.get("type") or "").lower() == "generic service" and str(private.get("ServiceName") or "").upper() \
                == "ENTSSO":
            resources.append(str(name))
    return {"events": events, "entsso_resources": resources}
