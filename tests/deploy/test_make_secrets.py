"""deploy/make-secrets.sh (issue #10): it writes every secret compose and kustomize demand, random and fresh per
run of a new checkout, never overwrites one that exists, and names the Kubernetes values only the operator knows.
Runs the script in a temporary copy of the repository's layout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from kabinet_deploy_support import facts, k8s_checks, kustomize

SCRIPT = facts.DEPLOY / "make-secrets.sh"
COMPOSE_SECRETS = ("KABINET_GATEWAY_SECRET", "BILLING_PAYMENT_WEBHOOK_SECRET", "POSTGRES_PASSWORD",
                   "KABINET_DB_PASSWORD", "RABBITMQ_PASSWORD", "REDIS_PASSWORD")
URLS = {
    **{f"{app.upper()}_DATABASE_URL": f"{app}-database-url" for app in facts.SERVICES},
    "AMQP_URL": "amqp-url",
}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The script, jwt_keygen.py and deploy/k8s (without any local operator file) as in the repository."""
    (tmp_path / "deploy" / "docker").mkdir(parents=True)
    shutil.copy2(SCRIPT, tmp_path / "deploy" / "make-secrets.sh")
    shutil.copy2(facts.DOCKER / "jwt_keygen.py", tmp_path / "deploy" / "docker" / "jwt_keygen.py")
    kustomize.k8s_copy(tmp_path / "deploy")
    return tmp_path


def run(checkout: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in URLS}
    return subprocess.run(["bash", str(checkout / "deploy" / "make-secrets.sh"), *args], env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=60, check=False)


def dotenv(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert all(re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", line) for line in lines), lines
    pairs = [line.split("=", 1) for line in lines]
    assert len({name for name, _ in pairs}) == len(pairs), "a variable written twice"
    return dict(pairs)


def test_the_script_is_executable_bash() -> None:
    assert os.access(SCRIPT, os.X_OK)
    assert SCRIPT.read_text().startswith("#!/usr/bin/env bash\n")


def test_compose_env_gets_every_required_secret_and_keeps_them(checkout: Path) -> None:
    done = run(checkout)
    assert done.returncode == 0, done.stderr
    env = dotenv(checkout / ".env")
    assert set(env) == set(COMPOSE_SECRETS)  # no development mailbox without --demo
    for name in COMPOSE_SECRETS:
        assert re.fullmatch(r"[0-9a-f]{64}", env[name]), name
    assert len(set(env.values())) == len(COMPOSE_SECRETS)  # each its own random value
    assert (checkout / ".env").stat().st_mode & 0o077 == 0
    # what compose demands is exactly what the script writes (the ${X:?} variables of docker-compose.yml)
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", facts.COMPOSE_FILE.read_text()))
    assert required == set(COMPOSE_SECRETS)

    before = (checkout / ".env").read_text()
    assert run(checkout).returncode == 0
    assert (checkout / ".env").read_text() == before  # a second run changes nothing


DEMO = ["IDENTITY_DEV_MAILBOX", "GATEWAY_CONSOLE_ENABLED", "GATEWAY_INTROSPECTION_ENABLED"]


def test_compose_keeps_the_operators_values_and_demo_adds_the_mailbox_and_console(checkout: Path) -> None:
    # the operator's own lines, the last one unterminated
    (checkout / ".env").write_text("LOG_LEVEL=DEBUG\nexport BILLING_PAYMENT_WEBHOOK_SECRET=from-the-provider")
    done = run(checkout, "--demo")
    assert done.returncode == 0, done.stderr
    text = (checkout / ".env").read_text()
    assert text.startswith("LOG_LEVEL=DEBUG\nexport BILLING_PAYMENT_WEBHOOK_SECRET=from-the-provider\n")
    names = [line.split("=", 1)[0].removeprefix("export ") for line in text.splitlines()]
    assert sorted(names) == sorted(["LOG_LEVEL", *COMPOSE_SECRETS, *DEMO])
    for name in DEMO:
        assert f"{name}=true\n" in text
    assert run(checkout, "--demo").returncode == 0
    assert (checkout / ".env").read_text() == text  # the demo lines are not added twice either


def test_k8s_writes_the_files_kustomize_needs_and_keeps_them(checkout: Path) -> None:
    secrets = checkout / "deploy" / "k8s" / "base" / "secrets"
    urls = {f"{app.upper()}_DATABASE_URL": f"postgresql+asyncpg://{app}:pw@pg.example:5432/{app}"
            for app in facts.SERVICES}
    urls["AMQP_URL"] = "amqps://kabinet:pw@mq.example:5671/kabinet"

    # without the URLs: the generated files are written, the missing ones named, and the exit status says so
    done = run(checkout, "--k8s", env={"AMQP_URL": urls["AMQP_URL"]})
    assert done.returncode != 0
    missing = re.search(r"MISSING[^:]*: (.*)", done.stderr)
    assert missing and set(missing.group(1).split()) == set(URLS) - {"AMQP_URL"}, done.stderr
    with pytest.raises(kustomize.KustomizeError, match="identity-database-url"):
        kustomize.render(checkout / "deploy" / "k8s" / "overlays" / "prod", strict=True)
    assert not (checkout / ".env").exists()  # --k8s is for Kubernetes only

    done = run(checkout, "--k8s", env=urls)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in secrets.iterdir() if p.name != ".gitignore")
    assert written == sorted(kustomize.operator_secret_files())
    for var, file in URLS.items():
        assert (secrets / file).read_text() == urls[var]  # as given, no trailing newline
    for file in ("gateway-secret", "billing-payment-webhook-secret"):
        assert re.fullmatch(r"[0-9a-f]{64}", (secrets / file).read_text()), file
    key = load_pem_private_key((secrets / "jwt-private-key.pem").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    assert all(p.stat().st_mode & 0o077 == 0 for p in secrets.iterdir() if p.name != ".gitignore")
    objects = kustomize.render(checkout / "deploy" / "k8s" / "overlays" / "prod", strict=True)
    assert k8s_checks.check_env_references(objects) == []

    before = {p.name: p.read_bytes() for p in secrets.iterdir()}
    other = {var: url.replace(":pw@", ":other@") for var, url in urls.items()}
    assert run(checkout, "--k8s", env=other).returncode == 0
    assert {p.name: p.read_bytes() for p in secrets.iterdir()} == before  # nothing overwritten
