"""The check catalog is a contract: every ID of CHECKS.md is registered with its name, phases, severity, scope."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ssocheck.model import TOPOLOGIES, Phase, Severity
from ssocheck.registry import load_checks

CATALOG = Path(__file__).parent / "data" / "catalog.tsv"
# Catalog IDs whose issue has not landed yet. A test below fails as soon as one is registered,
# so this set cannot silently go stale.
PENDING: set[str] = set()


def _rows() -> list[dict[str, str]]:
    with CATALOG.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


ROWS = _rows()
REGISTERED = {lc.meta.id: lc.meta for lc in load_checks()}
SCOPES = {
    "all": {"biztalk", "sso-cluster", "sql", "sso-server"},
    "sso-server": {"sso-server"},
    "sso-cluster + sso-server": {"sso-cluster", "sso-server"},
    "biztalk + sso-cluster + sso-server": {"biztalk", "sso-cluster", "sso-server"},
    "biztalk": {"biztalk"},
    "sso-cluster": {"sso-cluster"},
    "biztalk + sso-cluster": {"biztalk", "sso-cluster"},
    "sso-cluster + biztalk": {"biztalk", "sso-cluster"},
}
TOPOLOGY_SETS = {"all": set(TOPOLOGIES), "clustered": {"dedicated-cluster", "sql-cluster"},
                 "standalone": {"standalone"}, "sql-cluster": {"sql-cluster"}}


def test_catalog_data_is_complete() -> None:
    # CHECKS.md: the 26 original rows, SSO021 (issue 11) and the field checks (issue 18) registered so far;
    # each row is checked against the registry below, so the count only guards against duplicates.
    assert len({r["id"] for r in ROWS}) == len(ROWS) >= 27


@pytest.mark.parametrize("row", [r for r in ROWS if r["id"] not in PENDING], ids=lambda r: r["id"])
def test_catalog_check_registered_as_stated(row: dict[str, str]) -> None:
    meta = REGISTERED.get(row["id"])
    assert meta is not None, f"{row['id']} from CHECKS.md is not registered"
    assert meta.name == row["name"]
    assert meta.severity is Severity(row["severity"])
    assert set(meta.phases) == {Phase(p) for p in row["phases"].split()}
    expected_shape = "group" if row["shape"] in ("group", "node+group") else "node"
    assert meta.shape == expected_shape
    if row["scope"] != "-":
        assert set(meta.roles) == SCOPES[row["scope"]]
    assert set(meta.topologies) == TOPOLOGY_SETS[row["topologies"]], "the topologies the catalog states"
    assert meta.title and meta.remediation and meta.guide_step
    assert meta.references, f"{meta.id} has no references"


def test_pending_ids_are_really_pending() -> None:
    registered = sorted(PENDING & set(REGISTERED))
    assert not registered, f"{registered} are registered now: remove them from PENDING"


# Built-in checks beyond the catalog (CHECKS.md allows additions, never removals or renames).
EXTRA_BUILTIN = {"DRF001"}


def test_no_unknown_ids_registered_by_builtin_pack() -> None:
    catalog_ids = {r["id"] for r in ROWS}
    builtin = {cid for cid, meta in REGISTERED.items() if meta.pack == "builtin"}
    assert builtin - catalog_ids <= EXTRA_BUILTIN
