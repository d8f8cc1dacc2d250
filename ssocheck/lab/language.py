"""What a simulated node's display language changes: the names its LSA gives well-known SIDs, its culture.

A scenario sets a node's Windows display language with ``locale`` (``en-US`` when absent; ``de-DE`` and ``fr-FR``
are known). On a localised Windows, LSA translates a well-known SID to a localised name
(``S-1-5-32-544`` is ``VORDEFINIERT\\Administratoren`` on German, ``BUILTIN\\Administrateurs`` on French
Windows; learn.microsoft.com "Well-known SIDs" lists the SIDs, the names are the localised ones Windows shows), so
every fact that shows a name (token groups, Get-ClusterAccess identities, secedit entries written as names)
shows it in that language. The SIDs never change: ssocheck must decide by SID, and a de-DE scenario proves it.
``NT SERVICE\\...`` names are not localised (they are service names). The node's culture (the answer's
``culture``) follows the display language unless the scenario sets ``culture`` itself.

The language of BizTalk/SSO tools (``ssomanage``) is that of the BizTalk build, not of Windows: a node's
``biztalk_language`` (default ``en-US``) selects it (see ``emulation/sso.py``).
"""

from __future__ import annotations

from ssocheck.lab.state import NodeState

DEFAULT = "en-US"

# Well-known SIDs and the names each display language gives them. Only what the scenarios need.
WELL_KNOWN_NAMES: dict[str, dict[str, str]] = {
    "en-US": {"S-1-1-0": "Everyone", "S-1-5-11": "NT AUTHORITY\\Authenticated Users",
              "S-1-5-15": "NT AUTHORITY\\This Organization", "S-1-5-18": "NT AUTHORITY\\SYSTEM",
              "S-1-5-32-545": "BUILTIN\\Users", "S-1-5-32-544": "BUILTIN\\Administrators",
              "S-1-5-32-546": "BUILTIN\\Guests", "S-1-5-80-0": "NT SERVICE\\ALL SERVICES",
              "S-1-5-6": "NT AUTHORITY\\SERVICE", "S-1-5-19": "NT AUTHORITY\\LOCAL SERVICE",
              "S-1-5-20": "NT AUTHORITY\\NETWORK SERVICE", "S-1-5-32-551": "BUILTIN\\Backup Operators",
              "S-1-5-32-559": "BUILTIN\\Performance Log Users"},
    "de-DE": {"S-1-1-0": "Jeder", "S-1-5-11": "NT-AUTORITÄT\\Authentifizierte Benutzer",
              "S-1-5-15": "NT-AUTORITÄT\\Diese Organisation", "S-1-5-18": "NT-AUTORITÄT\\SYSTEM",
              "S-1-5-32-545": "VORDEFINIERT\\Benutzer", "S-1-5-32-544": "VORDEFINIERT\\Administratoren",
              "S-1-5-32-546": "VORDEFINIERT\\Gäste", "S-1-5-80-0": "NT SERVICE\\ALL SERVICES",
              "S-1-5-6": "NT-AUTORITÄT\\DIENST", "S-1-5-19": "NT-AUTORITÄT\\LOKALER DIENST",
              "S-1-5-20": "NT-AUTORITÄT\\NETZWERKDIENST", "S-1-5-32-551": "VORDEFINIERT\\Sicherungs-Operatoren",
              "S-1-5-32-559": "VORDEFINIERT\\Leistungsprotokollbenutzer"},
    "fr-FR": {"S-1-1-0": "Tout le monde", "S-1-5-11": "AUTORITE NT\\Utilisateurs authentifiés",
              "S-1-5-15": "AUTORITE NT\\Cette organisation", "S-1-5-18": "AUTORITE NT\\Système",
              "S-1-5-32-545": "BUILTIN\\Utilisateurs", "S-1-5-32-544": "BUILTIN\\Administrateurs",
              "S-1-5-32-546": "BUILTIN\\Invités", "S-1-5-80-0": "NT SERVICE\\ALL SERVICES",
              "S-1-5-6": "AUTORITE NT\\SERVICE", "S-1-5-19": "AUTORITE NT\\SERVICE LOCAL",
              "S-1-5-20": "AUTORITE NT\\SERVICE RÉSEAU", "S-1-5-32-551": "BUILTIN\\Opérateurs de sauvegarde",
              "S-1-5-32-559": "BUILTIN\\Utilisateurs du journal de performances"},
}


def language(node: NodeState) -> str:
    """The node's display language (``locale``), en-US when absent or unknown to the farm."""
    name = str(node.extra.get("locale") or DEFAULT)
    return name if name in WELL_KNOWN_NAMES else DEFAULT


def well_known_names(node: NodeState) -> dict[str, str]:
    """SID -> the name the node's LSA gives it."""
    return WELL_KNOWN_NAMES[language(node)]


def name_of(node: NodeState, sid: str, fallback: str) -> str:
    """The node's name for well-known ``sid`` (``fallback`` for a SID the farm has no name for)."""
    return well_known_names(node).get(sid.upper(), fallback)


def sid_of(name: str) -> str | None:
    """The well-known SID a name of any known language stands for (LSA of a localised node accepts its own and
    the English names), else None."""
    low = name.strip().lower()
    for names in WELL_KNOWN_NAMES.values():
        for sid, known in names.items():
            if known.lower() == low:
                return sid
    return None


def culture(node: NodeState) -> str:
    """The node's culture: ``culture`` of the scenario, else its display language."""
    return str(node.extra.get("culture") or node.extra.get("locale") or DEFAULT)
