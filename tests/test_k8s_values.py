"""deploy/k8s/values.yaml against the Zero to JupyterHub chart's own values schema.

``helm`` validates the chart's default values merged with the user's (maps merged key by key,
anything else replaced, ``null`` deleting a key) against ``values.schema.json``; so does this
test, with the chart's files from tests/data/z2jh/ (version noted in its README). Then the
settings that make it a peercert program: secrets by reference only, the same groups and
roles as the single-machine hub, the formgrader's framing rule, the shared exchange.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "z2jh"
VALUES = REPO / "deploy" / "k8s" / "values.yaml"


def helm_merge(base: Any, override: Any) -> Any:
    """Helm's merge of user values over chart defaults."""
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return override
    out = dict(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = helm_merge(base.get(key), value)
    return out


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads((DATA / "values.schema.json").read_text(encoding="utf-8"))


def _errors(schema: dict[str, Any], merged: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(merged)]


def test_values_validate_against_the_chart_schema(values, schema):
    defaults = yaml.safe_load((DATA / "values.yaml").read_text(encoding="utf-8"))
    assert _errors(schema, defaults) == []  # the schema and defaults are the chart's own
    assert _errors(schema, helm_merge(defaults, values)) == []


def test_the_schema_catches_a_misspelt_key(values, schema):
    defaults = yaml.safe_load((DATA / "values.yaml").read_text(encoding="utf-8"))
    bad = helm_merge(values, {"hub": {"allowNamedServer": True}})
    assert any("allowNamedServer" in e for e in _errors(schema, helm_merge(defaults, bad)))


def _walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in _walk(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in _walk(v, f"{path}[{i}]")]
    return [(path, node)]


def test_no_secret_is_written_inline(values):
    text = VALUES.read_text(encoding="utf-8")
    for path, value in _walk(values):
        if isinstance(value, str):
            assert not re.search(r"postgres(ql)?(\+\w+)?://[^\s@]*:[^\s@]*@", value), path
        assert not re.search(r"(password|secret|token|apiToken)$", path, re.I) or \
            path.endswith(("secret.name",)), path
    assert "cookieSecret" not in text and "apiToken" not in text
    env = values["hub"]["extraEnv"]
    assert env["PEERCERT_STAFF_DB_URL"] == {
        "valueFrom": {"secretKeyRef": {"name": "peercert-gradebook-staff", "key": "url"}}}
    spawn = values["hub"]["extraConfig"]["30-peercert-spawn"]
    assert '"secretKeyRef": {"name": "peercert-gradebook", "key": "url"}' in spawn
    assert "PEERCERT_DB_URL" not in values["singleuser"].get("extraEnv", {})  # trainees: none


def test_extra_config_is_python_that_compiles(values):
    for name, code in values["hub"]["extraConfig"].items():
        ast.parse(code, filename=name)


def test_groups_roles_and_services_match_the_single_machine_hub(values):
    hub = values["hub"]
    assert hub["allowNamedServers"] is True and hub["namedServerLimitPerUser"] == 0
    roles = hub["loadRoles"]
    assert roles["program-staff"] == {"groups": ["program-staff"],
                                      "scopes": ["access:services!service=readiness", "self"]}
    assert "read:users:groups!user" in roles["server"]["scopes"]  # JupyterHubAuthPlugin
    assert not any("admin" in s or "servers" in s
                   for s in roles["program-staff"]["scopes"])  # staff open no server
    assert set(hub["services"]) == {"peercert-apply", "readiness"}
    groups = hub["extraConfig"]["10-peercert-groups"]
    assert "nbgrader-<course>" in groups and "formgrade-<course>" in groups
    assert '"program-staff"' in groups


def test_formgrader_framing_is_safe_because_every_server_has_its_own_origin(values):
    # nbgrader #1870: the instructor image allows frame-ancestors 'self'; that is only safe
    # when servers do not share the hub's origin
    host = values["hub"]["config"]["JupyterHub"]["subdomain_host"]
    assert host.startswith("https://")
    domain = host.removeprefix("https://")
    assert f"*.{domain}" in values["proxy"]["https"]["hosts"]
    dockerfile = (REPO / "deploy" / "k8s" / "Dockerfile").read_text(encoding="utf-8")
    assert "deploy/hub/singleuser/instructor/jupyter_server_config.py" in dockerfile
    assert "AS trainee" in dockerfile and "AS instructor" in dockerfile


def test_exchange_is_a_shared_volume_for_every_server(values):
    storage = values["singleuser"]["storage"]
    [volume] = [v for v in storage["extraVolumes"] if v["name"] == "exchange"]
    [mount] = [m for m in storage["extraVolumeMounts"] if m["name"] == "exchange"]
    assert mount["mountPath"] == values["singleuser"]["extraEnv"]["PEERCERT_EXCHANGE"]
    claims = list(yaml.safe_load_all(
        (REPO / "deploy" / "k8s" / "program-resources.yaml").read_text(encoding="utf-8")))
    [pvc] = [d for d in claims if d["metadata"]["name"] ==
             volume["persistentVolumeClaim"]["claimName"]]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    policy = values["singleuser"]["networkPolicy"]["egressAllowRules"]
    assert policy["privateIPs"] is False and policy["nonPrivateIPs"] is False


def test_the_apply_job_sets_the_folders_as_root_where_every_server_mounts_them(values):
    """deploy/k8s/apply-job.yaml: `peercert program apply --numeric-ids` (tests/test_k8s_ids.py)
    as root, with the two volumes at the paths the servers and the hub use."""
    job = yaml.safe_load((REPO / "deploy" / "k8s" / "apply-job.yaml").read_text(encoding="utf-8"))
    pod = job["spec"]["template"]
    spec = pod["spec"]
    [container] = spec["containers"]
    command = container["command"]
    assert command[:3] == ["peercert", "program", "apply"] and "--numeric-ids" in command
    assert "--unix-users" not in command
    assert command[3] == values["hub"]["extraEnv"]["PEERCERT_PROGRAM"]
    assert spec["securityContext"]["runAsUser"] == 0
    assert pod["metadata"]["labels"]["hub.jupyter.org/network-access-hub"] == "true"
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]
              if "persistentVolumeClaim" in v}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert claims == {"courses": "peercert-courses", "exchange": "peercert-exchange"}
    assert mounts["exchange"] == values["singleuser"]["extraEnv"]["PEERCERT_EXCHANGE"]
    [hub_courses] = [m for m in values["hub"]["extraVolumeMounts"] if m["name"] == "courses"]
    assert mounts["courses"] == hub_courses["mountPath"]
    assert not any(m.get("readOnly") for m in container["volumeMounts"]
                   if m["name"] in claims)
    spawn = values["hub"]["extraConfig"]["30-peercert-spawn"]
    assert '"claimName": "peercert-courses"' in spawn  # the instructors' servers: the same claim
    secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert secrets["PEERCERT_HUB_TOKEN"] == {"name": "hub",
                                             "key": "hub.services.peercert-apply.apiToken"}
    assert "value" not in str(container["env"]).replace("valueFrom", "")


def test_the_hub_values_from_program_ids_keep_the_chart_valid(values, schema, monkeypatch):
    """`peercert program ids --hub-values` is a values file for `helm -f`: merged after
    values.yaml it still validates, and puts the hub pod in every course's instructors' gid."""
    from typer.testing import CliRunner

    from peercert.cli import app
    from peercert.deploy import names
    from peercert.program import load_program

    example = REPO / "deploy" / "program.example.toml"
    monkeypatch.setenv("PEERCERT_DB_URL", "postgresql://localhost/peercert")
    done = CliRunner().invoke(app, ["program", "ids", str(example), "--hub-values"])
    assert done.exit_code == 0, done.output
    extra = yaml.safe_load(done.output)
    defaults = yaml.safe_load((DATA / "values.yaml").read_text(encoding="utf-8"))
    merged = helm_merge(helm_merge(defaults, values), extra)
    assert _errors(schema, merged) == []
    course_ids = [c.id for c in load_program(example).courses]
    assert merged["hub"]["podSecurityContext"]["supplementalGroups"] == sorted(
        names.instructor_gid(c) for c in course_ids)
    assert merged["hub"]["podSecurityContext"]["runAsNonRoot"] is True  # the chart's own kept
