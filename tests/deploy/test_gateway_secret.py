"""Issue #10, points 8, 9 and 15 in the deployment files: the gateway <-> subgraph secret has no working default
(compose demands it, the k8s Secret's placeholder is refused at start-up), every service and the gateway get
it, a NetworkPolicy lets only the gateway reach the services, and the development mailbox is off."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from kabinet_deploy_support import docker_compose, facts, k8s_checks, kustomize

from kabinet.web.gateway_only import SECRET_ENV, MissingGatewaySecret, require_secret


def _container_env(deployment: dict) -> dict[str, dict]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e for e in container.get("env", [])}


def test_compose_demands_the_secret_for_every_service_and_the_gateway() -> None:
    services = docker_compose.load_compose()["services"]
    for app in facts.APPS:
        value = docker_compose.compose_env(services[app]).get(SECRET_ENV)
        assert value is not None and re.fullmatch(r"\$\{KABINET_GATEWAY_SECRET:\?[^}]+\}", value), (app, value)
    env = docker_compose.compose_env(services["identity"])
    assert env["IDENTITY_DEV_MAILBOX"] == "${IDENTITY_DEV_MAILBOX:-false}"
    assert all("8001" not in str(p) for p in services["identity"].get("ports", []))  # never published


@pytest.mark.parametrize("target", ["base", *(f"overlays/{o}" for o in facts.OVERLAYS)])
def test_k8s_every_app_reads_the_generated_secret(target: str) -> None:
    objects = kustomize.render(facts.K8S / target)
    for app in facts.APPS:
        deployment = k8s_checks.find(objects, "Deployment", app)
        assert deployment is not None, app
        ref = _container_env(deployment)[SECRET_ENV]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "kabinet-gateway-secret", "key": SECRET_ENV}, app
        assert "IDENTITY_DEV_MAILBOX" not in _container_env(deployment)
    generated = k8s_checks.find(objects, "Secret", "kabinet-gateway-secret")
    assert generated is not None and set(generated["data"]) == {SECRET_ENV}
    others = k8s_checks.find(objects, "Secret", "kabinet-secrets")
    assert others is not None and SECRET_ENV not in k8s_checks._keys_of(others)  # only in its own generated Secret
    mailbox = {cm["data"].get("IDENTITY_DEV_MAILBOX", "false").lower()
               for cm in k8s_checks.by_kind(objects, "ConfigMap")}
    # Only the dev overlay turns the development mailbox on (a cluster without SMTP/SMS); base and prod never.
    assert ("true" in mailbox) == (target == "overlays/dev"), target


@pytest.mark.parametrize("target", ["base", *(f"overlays/{o}" for o in facts.OVERLAYS)])
def test_k8s_build_fails_until_the_operator_made_the_secret(tmp_path: Path, target: str) -> None:
    k8s = kustomize.k8s_copy(tmp_path, supplied=[f for f in kustomize.operator_secret_files() if f != "gateway-secret"])
    secrets_dir = k8s / "base" / "secrets"
    with pytest.raises(kustomize.KustomizeError, match="secrets/gateway-secret"):
        kustomize.render(k8s / target, strict=True)
    (secrets_dir / "gateway-secret").write_text("0123456789abcdef" * 4 + "\n")
    generated = k8s_checks.find(kustomize.render(k8s / target, strict=True), "Secret", "kabinet-gateway-secret")
    assert generated is not None
    # What the pods get is accepted (the file's newline is no part of the secret); an empty file is not.
    assert require_secret(base64.b64decode(generated["data"][SECRET_ENV]).decode(), "k8s") == "0123456789abcdef" * 4
    with pytest.raises(MissingGatewaySecret):
        require_secret("\n", "k8s")


def test_k8s_network_policy_lets_only_the_gateway_reach_the_services() -> None:
    objects = kustomize.render(facts.K8S / "overlays/prod")
    policies = k8s_checks.by_kind(objects, "NetworkPolicy")
    deployments = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
                   for d in k8s_checks.by_kind(objects, "Deployment")}

    def selects(selector: dict, labels: dict) -> bool:
        return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())

    for service in facts.SERVICES:
        applying = [p for p in policies if selects(p["spec"]["podSelector"], deployments[service])]
        assert applying and all("Ingress" in p["spec"]["policyTypes"] for p in applying), service
        allowed = {name for p in applying for rule in p["spec"]["ingress"] for peer in rule["from"]
                   for name, labels in deployments.items() if selects(peer["podSelector"], labels)}
        # identity also serves its public keys (JWKS) to the services; nothing else reaches a service
        expected = {"gateway"} | (set(facts.SERVICES) if service == "identity" else set())
        assert allowed == expected, (service, allowed)
