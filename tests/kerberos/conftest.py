"""A real MIT KDC for the Kerberos and CredSSP tests, started once per test session on 127.0.0.1.

The realm CORP.EXAMPLE.COM (the lab scenarios' domain corp.example.com) holds the test user and HTTP service
principals for every node of the healthy scenarios (short name and FQDN) plus the loopback IP the lab's
inventory uses (CredSSP builds its SPN from the URL host and cannot override it). Its keytab is the farm's
(``KRB5_KTNAME``); ``KRB5_CONFIG``/``KRB5_KDC_PROFILE``/``KRB5CCNAME`` point into the temporary directory, so
nothing of the machine's Kerberos set-up is read or changed. Without the KDC binaries or the Python Kerberos
libraries (``pip install -e '.[kerberos,credssp]'``) every test here skips with one reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssocheck.lab.kdc import LabKdc, missing_kdc
from tests.support.kerberos import REALM, USER, Realm, missing_python_kerberos, service_principals


@pytest.fixture(scope="session")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Realm]:
    """Start the KDC (about 0.3 s), export its environment into this process, stop it at the end."""
    problem = missing_kdc() or missing_python_kerberos()
    if problem:
        pytest.skip(problem)
    password = "Krb-" + secrets.token_urlsafe(12)
    kdc = LabKdc(tmp_path_factory.mktemp("kdc") / "realm", REALM, {USER: password}, service_principals())
    saved = {k: os.environ.get(k) for k in kdc.env}
    with kdc:
        os.environ.update(kdc.env)
        try:
            yield Realm(kdc, password)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="session")
def kdc_workdir(realm: Realm) -> Path:
    """The KDC's private directory (keytabs and caches of the tests go beside it)."""
    return realm.kdc.workdir
