"""No secret has a working default in docker-compose.yml or deploy/k8s (issue #10): compose requires the variable,
kustomize generates the Secret from a file the operator creates. Offline, like the rest of tests/deploy."""

from __future__ import annotations

import base64
import copy
import re
from pathlib import Path

import pytest
from kabinet_deploy_support import docker_compose, facts, k8s_checks, kustomize

SECRET_NAME = re.compile(r"SECRET|PASSWORD|_PASS$|PRIVATE_KEY|TOKEN")
REQUIRED = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):?\?[^}]*\}$")
WEBHOOK = "BILLING_PAYMENT_WEBHOOK_SECRET"


def compose_secret_defaults(services: dict[str, dict]) -> list[str]:
    """Secret-named variables whose value works without the operator: a literal, ``${X:-default}``, ``${X}``."""
    problems = []
    for name, svc in services.items():
        for var, value in docker_compose.compose_env(svc).items():
            if not SECRET_NAME.search(var) or var.endswith("_FILE"):
                continue
            if not REQUIRED.match(value):
                problems.append(f"{name}: {var}={value!r} is not required (${{{var}:?...}})")
    return problems


def compose_url_passwords(services: dict[str, dict]) -> list[str]:
    """URL-valued variables (DATABASE_URL, AMQP_URL, REDIS_URL...) whose password works without the operator:
    anything but a bare ``${X:?...}`` in the URL's password place."""
    problems = []
    for name, svc in services.items():
        for var, value in docker_compose.compose_env(svc).items():
            if "://" not in value and not var.endswith("_URL"):
                continue
            # required references become a recognisable token; defaults (``${X:-pw}``) become their literal
            marked = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?[^}]*\}", r"required-\1", value)
            password = facts.database_url_parts(docker_compose.expand_compose_default(marked))["password"]
            if password is not None and not re.fullmatch(r"required-[A-Za-z_][A-Za-z0-9_]*", password):
                problems.append(f"{name}: {var} carries the password {password!r}")
    return problems


def test_compose_requires_the_webhook_secret() -> None:
    services = docker_compose.load_compose()["services"]
    value = docker_compose.compose_env(services["billing"])[WEBHOOK]
    assert REQUIRED.match(value) and REQUIRED.match(value)["name"] == WEBHOOK, value
    with pytest.raises(ValueError, match=WEBHOOK):
        docker_compose.interpolate(value, {})
    with pytest.raises(ValueError, match=WEBHOOK):
        docker_compose.interpolate(value, {WEBHOOK: ""})
    assert docker_compose.interpolate(value, {WEBHOOK: "from-the-provider"}) == "from-the-provider"
    # only the service that verifies notifications gets it
    assert [n for n, svc in services.items() if WEBHOOK in docker_compose.compose_env(svc)] == ["billing"]


def test_no_secret_in_compose_has_a_default() -> None:
    services = docker_compose.load_compose()["services"]
    assert compose_secret_defaults(services) == []
    # the infrastructure's own passwords too: the PostgreSQL superuser, the services' role, the broker user
    for name, var in (("postgres", "POSTGRES_PASSWORD"), ("postgres", "KABINET_DB_PASSWORD"),
                      ("rabbitmq", "RABBITMQ_DEFAULT_PASS")):
        with pytest.raises(ValueError, match="missing a value"):
            docker_compose.interpolate(docker_compose.compose_env(services[name])[var], {})
    assert docker_compose.compose_env(services["rabbitmq"])["RABBITMQ_DEFAULT_USER"] != "guest"


def test_no_url_in_compose_carries_a_literal_password() -> None:
    services = docker_compose.load_compose()["services"]
    assert compose_url_passwords(services) == []
    urls = {var for svc in services.values() for var in docker_compose.compose_env(svc) if var.endswith("_URL")}
    assert {"AMQP_URL", *(f"{x.upper()}_DATABASE_URL" for x in facts.SERVICES)} <= urls  # the check saw them
    for svc in services.values():  # and without the variables, none of them resolves
        for var, value in docker_compose.compose_env(svc).items():
            if var.endswith("_DATABASE_URL") or var == "AMQP_URL":
                with pytest.raises(ValueError, match="missing a value"):
                    docker_compose.interpolate(value, {})


@pytest.mark.parametrize("bad", [
    "postgresql+asyncpg://kabinet:kabinet@postgres:5432/billing",
    "postgresql+asyncpg://kabinet:${KABINET_DB_PASSWORD:-kabinet}@postgres:5432/billing",
    "amqp://guest:guest@rabbitmq:5672/",
    "redis://:hunter2@redis:6379/0",
])
def test_the_url_check_catches_literal_passwords(bad: str) -> None:
    services = copy.deepcopy(docker_compose.load_compose()["services"])
    services["billing"]["environment"]["SOME_URL"] = bad
    assert len(compose_url_passwords(services)) == 1, bad


def test_the_compose_check_catches_defaults() -> None:
    services = copy.deepcopy(docker_compose.load_compose()["services"])
    env = services["billing"]["environment"]
    for bad in ("local-dev-secret", f"${{{WEBHOOK}:-local-dev-secret}}", f"${{{WEBHOOK}}}"):
        env[WEBHOOK] = bad
        assert len(compose_secret_defaults(services)) == 1, bad


@pytest.mark.parametrize("target", ["base", *(f"overlays/{o}" for o in facts.OVERLAYS)])
def test_k8s_does_not_build_without_the_operators_webhook_secret(tmp_path: Path, target: str) -> None:
    others = [f for f in kustomize.operator_secret_files() if f != "billing-payment-webhook-secret"]
    k8s = kustomize.k8s_copy(tmp_path, supplied=others)
    with pytest.raises(kustomize.KustomizeError, match="secrets/billing-payment-webhook-secret"):
        kustomize.render(k8s / target, strict=True)
    (k8s / "base" / "secrets" / "billing-payment-webhook-secret").write_text("from-the-provider-0123456789")
    objects = kustomize.render(k8s / target, strict=True)
    secret = k8s_checks.find(objects, "Secret", "kabinet-billing-webhook")
    assert secret is not None and secret["metadata"]["namespace"] == k8s_checks.find(objects, "Deployment", "billing")[
        "metadata"]["namespace"]
    assert base64.b64decode(secret["data"][WEBHOOK]).decode() == "from-the-provider-0123456789"
    assert k8s_checks.check_env_references(objects) == []
    billing = k8s_checks.find(objects, "Deployment", "billing")
    env = k8s_checks.container_env(billing["spec"]["template"]["spec"]["containers"][0])
    assert env[WEBHOOK]["valueFrom"]["secretKeyRef"] == {"name": "kabinet-billing-webhook", "key": WEBHOOK}


def test_the_operators_secret_file_is_never_committed() -> None:
    ignore = (facts.K8S / "base" / "secrets" / ".gitignore").read_text().split()
    assert "*" in ignore and "!.gitignore" in ignore
    assert ".env" in (facts.ROOT / ".gitignore").read_text().split()  # compose reads the variable from .env


@pytest.mark.parametrize("target", ["base", *(f"overlays/{o}" for o in facts.OVERLAYS)])
def test_no_k8s_secret_has_a_working_default(target: str) -> None:
    objects = kustomize.render(facts.K8S / target)
    problems = []
    for obj in objects:
        for c in kustomize.containers_of(obj):
            for env in c.get("env", []):
                if SECRET_NAME.search(env["name"]) and "value" in env:
                    problems.append(f"{obj['metadata']['name']}: {env['name']} has a literal value")
        if obj["kind"] == "ConfigMap":
            problems += [f"ConfigMap {obj['metadata']['name']}: {k}" for k in obj.get("data", {})
                         if SECRET_NAME.search(k)]
    # The webhook secret exists only as the operator's file: nothing in the manifests gives it a value.
    secret = k8s_checks.find(objects, "Secret", "kabinet-billing-webhook")
    assert secret is not None
    local = (facts.K8S / "base" / "secrets" / "billing-payment-webhook-secret").is_file()
    if not local:
        assert base64.b64decode(secret["data"][WEBHOOK]).decode() == kustomize.OPERATOR_SUPPLIED
    for obj in k8s_checks.by_kind(objects, "Secret"):
        if obj is not secret:
            assert WEBHOOK not in k8s_checks._keys_of(obj), obj["metadata"]["name"]
    assert problems == []


# Every key of every Secret the Deployments and Jobs read: file name under base/secrets/ -> (Secret, key).
OPERATOR_FILES = {
    **{f"{app}-database-url": ("kabinet-secrets", f"{app.upper()}_DATABASE_URL") for app in facts.SERVICES},
    "amqp-url": ("kabinet-secrets", "AMQP_URL"),
    "jwt-private-key.pem": ("kabinet-secrets", "IDENTITY_JWT_PRIVATE_KEY"),
    "billing-payment-webhook-secret": ("kabinet-billing-webhook", WEBHOOK),
    "gateway-secret": ("kabinet-gateway-secret", "KABINET_GATEWAY_SECRET"),
}
TARGETS = ["base", *(f"overlays/{o}" for o in facts.OVERLAYS)]


def test_every_secret_comes_from_an_operators_file() -> None:
    assert sorted(kustomize.operator_secret_files()) == sorted(OPERATOR_FILES)
    assert not list(facts.K8S.rglob("secret.yaml"))  # the placeholder Secret is gone


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("missing", sorted(OPERATOR_FILES))
def test_k8s_does_not_build_without_each_operator_file(tmp_path: Path, target: str, missing: str) -> None:
    k8s = kustomize.k8s_copy(tmp_path, supplied=[f for f in OPERATOR_FILES if f != missing])
    with pytest.raises(kustomize.KustomizeError, match=f"secrets/{re.escape(missing)} does not exist"):
        kustomize.render(k8s / target, strict=True)
    (k8s / "base" / "secrets" / missing).write_text(kustomize.SAMPLE_OPERATOR_FILES[missing])
    objects = kustomize.render(k8s / target, strict=True)
    secret_name, key = OPERATOR_FILES[missing]
    secret = k8s_checks.find(objects, "Secret", secret_name)
    assert secret is not None
    assert base64.b64decode(secret["data"][key]).decode() == kustomize.SAMPLE_OPERATOR_FILES[missing]
    assert k8s_checks.check_env_references(objects) == []


@pytest.mark.parametrize("target", TARGETS)
def test_no_k8s_secret_has_a_literal_or_placeholder_value(tmp_path: Path, target: str) -> None:
    objects = kustomize.render(kustomize.k8s_copy(tmp_path) / target)  # a checkout without the operator's files
    secrets = k8s_checks.by_kind(objects, "Secret")
    assert {obj["metadata"]["name"] for obj in secrets} == {name for name, _ in OPERATOR_FILES.values()}
    for obj in secrets:
        assert "stringData" not in obj and "binaryData" not in obj, obj["metadata"]["name"]
        values = {k: base64.b64decode(v).decode() for k, v in obj["data"].items()}
        assert set(values.values()) == {kustomize.OPERATOR_SUPPLIED}, (obj["metadata"]["name"], values)
    # nor does any manifest mention a placeholder an operator could forget to replace
    for path in facts.K8S.rglob("*.yaml"):
        assert not re.search(r"CHANGE-?ME|REPLACE-?ME", path.read_text(), re.I), path
