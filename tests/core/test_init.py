"""``ssocheck init`` and the inventory schema: written file, refusals, schema as the parser's source of keys."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ssocheck import init as init_mod
from ssocheck.cli import main
from ssocheck.facts.cluster import Cluster
from ssocheck.inventory import SCHEMA, SCHEMA_PATH, TRANSPORTS, load_inventory
from ssocheck.model import ROLES
from tests.support.schema_lite import validate

REPO = Path(__file__).resolve().parents[2]
FLAGS = ["--group", "BizTalkGroup", "--cluster-network-name", "BIZTALKCLUSTER", "--master-secret-server",
         "BTSNODE1", "--sso-account", "CORP\\svc_sso", "--sso-db-server", "SQL01", "--biztalk-node",
         "BTSNODE1,BTSNODE2", "--cluster-node", "NODE1", "--cluster-node", "NODE2", "--username",
         "CORP\\ssocheck", "--password-env", "SSOCHECK_PASSWORD"]


def _init(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["init", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_init_from_flags_writes_a_private_valid_commented_inventory(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yml"
    code, stdout, stderr = _init([str(out), *FLAGS, "--address", "NODE1=10.0.0.21:15986"])
    assert code == 0, stderr
    assert f"wrote {out}" in stdout
    assert os.stat(out).st_mode & 0o777 == 0o600
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_PATH.resolve().as_uri()}"
    assert "password:" not in text
    inv = load_inventory(out)
    assert inv.expect.biztalk_nodes == ("BTSNODE1", "BTSNODE2")
    assert inv.expect.sso_cluster_nodes == ("NODE1", "NODE2")
    assert inv.expect.sso_service_account == "CORP\\svc_sso"  # the backslash survives YAML quoting
    assert inv.node("NODE1").address == "10.0.0.21" and inv.node("NODE1").port == 15986
    assert inv.connection.password_env == "SSOCHECK_PASSWORD"
    assert validate(yaml.safe_load(text), SCHEMA) == []


def test_init_prompts_for_what_no_flag_gave(tmp_path: Path) -> None:
    out = tmp_path / "inv.yml"
    answers = "CORP\\ssocheck\nGroupX\nCLUSTERNN\nBTSNODE1\nCORP\\svc_sso\nSQL01\nBTSNODE1, BTSNODE2\nNODE1,NODE2\n"
    code, _, stderr = _init([str(out)], stdin=answers)
    assert code == 0, stderr
    inv = load_inventory(out)
    assert inv.expect.group == "GroupX" and inv.expect.cluster_network_name == "CLUSTERNN"
    assert inv.expect.sso_cluster_nodes == ("NODE1", "NODE2")
    assert inv.connection.password_env is None and inv.connection.password_file is None


def test_init_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yml"
    out.write_text("mine\n", encoding="utf-8")
    code, _, stderr = _init([str(out), *FLAGS])
    assert code == 2
    assert stderr.strip() == (f"ssocheck: error: {out}: already exists; ssocheck init never overwrites a file "
                              "(choose another name or remove it)")
    assert out.read_text(encoding="utf-8") == "mine\n"


def test_init_refuses_an_invalid_answer_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yml"
    flags = [f if f != "BTSNODE1,BTSNODE2" else "BTS NODE1!" for f in FLAGS]
    code, _, stderr = _init([str(out), *flags])
    assert code == 2
    assert "is not a valid host name" in stderr and len(stderr.strip().splitlines()) == 1
    assert not out.exists()


def _cluster(with_entsso: bool) -> Any:
    resources = {
        "Cluster Name": {"type": "Network Name", "group": "Cluster Group", "private": {"Name": "SSOCLU"}},
        "Name: BIZTALKCLUSTER": {"type": "Network Name", "group": "SSO", "private": {"Name": "BIZTALKCLUSTER"}},
        "Name: OTHERAPP": {"type": "Network Name", "group": "Files", "private": {"Name": "FILES01"}},
    }
    if with_entsso:
        resources["Enterprise Single Sign-On Service"] = {
            "type": "Generic Service", "group": "SSO", "private": {"ServiceName": "ENTSSO"}}
    return Cluster.parse({
        "name": "SSOCLU", "nodes": [{"name": "NODE1", "state": "Up"}, {"name": "NODE2", "state": "Up"}],
        "groups": [{"name": g, "owner_node": "NODE1", "state": "Online"} for g in ("Cluster Group", "SSO", "Files")],
        "resources": [{"name": n, "type": r["type"], "group": r["group"], "state": "Online", "owner_node": "NODE1",
                       "private": r["private"], "dependency_expression": "", "possible_owners": [],
                       "registry_checkpoints": []} for n, r in resources.items()],
    })


def test_discovery_proposes_the_entsso_role_network_name() -> None:
    found = init_mod._reduce(_cluster(with_entsso=True))
    assert found.nodes == ("NODE1", "NODE2")
    assert found.network_name == "BIZTALKCLUSTER"
    assert found.candidates[0] == ("SSO", "BIZTALKCLUSTER")
    assert ("Cluster Group", "SSOCLU") not in found.candidates  # the cluster's own name is no role's name


def test_discovery_before_the_move_lists_candidates() -> None:
    found = init_mod._reduce(_cluster(with_entsso=False))
    assert found.network_name is None
    assert set(found.candidates) == {("SSO", "BIZTALKCLUSTER"), ("Files", "FILES01")}
    text = "\n".join(init_mod.describe(found))
    assert "no role holds ENTSSO yet" in text and "BIZTALKCLUSTER (role SSO)" in text and "FILES01" in text


def test_schema_is_the_parsers_source_of_keys_and_enums() -> None:
    assert tuple(SCHEMA["properties"]["connection"]["properties"]["transport"]["enum"]) == TRANSPORTS
    assert tuple(SCHEMA["$defs"]["role"]["enum"]) == ROLES
    # A key the schema knows is accepted by the parser, one it does not know is refused: both read one list.
    doc = yaml.safe_load((REPO / "examples/inventory/sample.yml").read_text(encoding="utf-8"))
    doc["connection"]["verify_tls"] = True
    assert validate(doc, SCHEMA) == []
    doc["connection"]["verify_ssl"] = True
    assert validate(doc, SCHEMA) != []


@pytest.mark.parametrize("name", ["sample.yml", "kerberos.yml", "credssp.yml"])
def test_example_inventories_parse_and_match_the_schema(name: str) -> None:
    path = REPO / "examples/inventory" / name
    inv = load_inventory(path)
    assert inv.nodes
    assert validate(yaml.safe_load(path.read_text(encoding="utf-8")), SCHEMA) == []


def test_schema_is_shipped_and_valid_json() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["title"] == "ssocheck inventory"
