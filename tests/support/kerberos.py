"""The test realm of the Kerberos and CredSSP tests: its names, the KDC handle and what is missing to run it.

The realm CORP.EXAMPLE.COM (the lab scenarios' domain corp.example.com) holds the test user and HTTP service
principals for every node of the healthy scenarios (short name and FQDN) plus the loopback IP the lab's
inventory uses (CredSSP builds its SPN from the URL host and cannot override it). The ``realm`` fixture
(``tests/kerberos/conftest.py``) starts the KDC.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssocheck.lab.kdc import LabKdc
from ssocheck.lab.state import load_scenario

REALM = "CORP.EXAMPLE.COM"
USER = "ssocheck"
NODES = tuple(n.name for n in load_scenario("healthy-post").iter_nodes())


def missing_python_kerberos() -> str | None:
    """Why the Python side of Kerberos/CredSSP is not usable here, or None."""
    try:
        import gssapi  # noqa: F401
        import krb5  # noqa: F401
        import requests_credssp  # noqa: F401
        import winrm.transport as wt
    except ImportError as exc:
        return f"Kerberos/CredSSP Python libraries missing ({exc.name}): pip install -e '.[kerberos,credssp]'"
    if not (wt.HAVE_KERBEROS and wt.HAVE_CREDSSP):
        return "pywinrm lacks Kerberos/CredSSP support: pip install -e '.[kerberos,credssp]'"
    return None


@dataclass(frozen=True)
class Realm:
    """The running KDC and what tests need to know about it."""

    kdc: LabKdc
    password: str  # of USER

    @property
    def principal(self) -> str:
        """The test user's principal."""
        return f"{USER}@{REALM}"


def service_principals() -> list[str]:
    """HTTP/<node> and HTTP/<node>.<dns> for every node, plus the loopback address (NOT localhost: the CredSSP
    fallback test needs a URL host without an SPN)."""
    names = {"127.0.0.1"}
    for node in NODES:
        names |= {node.lower(), f"{node.lower()}.{REALM.lower()}"}
    return [f"HTTP/{n}" for n in sorted(names)]




