"""Repository facts: paths, the apps and their ports, workspace packages, the database init script."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKER = DEPLOY / "docker"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"
POSTGRES_INIT = DOCKER / "postgres-init.sh"

# The fixed facts (the lead's list): service -> port. The gateway is not a "service" (no database).
SERVICES: dict[str, int] = {"identity": 8001, "scheduling": 8002, "billing": 8003, "learning": 8004}
GATEWAY_PORT = 8000
APPS: dict[str, int] = {**SERVICES, "gateway": GATEWAY_PORT}
SUBCOMMANDS = {"serve", "migrate"}

K8S_VERSION = "1.30.0"
OVERLAYS = ("dev", "prod")

Obj = dict[str, Any]




def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def workspace_members() -> dict[str, Path]:
    """Package name -> member directory, from the root pyproject's [tool.uv.workspace] members globs."""
    root = load_toml(ROOT / "pyproject.toml")
    members: dict[str, Path] = {}
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for directory in sorted(ROOT.glob(pattern)):
            manifest = directory / "pyproject.toml"
            if manifest.is_file():
                members[load_toml(manifest)["project"]["name"]] = directory
    return members


def console_scripts(package: str) -> dict[str, str]:
    return load_toml(workspace_members()[package] / "pyproject.toml")["project"].get("scripts", {})


def entry_point_module_file(package: str, script: str) -> Path:
    """The source file of a console script's module (``identity.cli:main`` -> .../src/identity/cli.py)."""
    module = console_scripts(package)[script].split(":")[0]
    base = workspace_members()[package] / "src" / Path(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def service_directories() -> set[str]:
    return {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}


def port_default_in_code(app: str) -> int | None:
    """The port default declared in the app's settings module, if the code exists yet."""
    base = ROOT / "gateway" if app == "gateway" else ROOT / "services" / app
    candidates = [base / "src" / app / "settings.py", base / "src" / app / "config.py"]
    pattern = re.compile(r"^\s*port\s*:\s*int\s*=\s*(?:Field\(\s*(?:default\s*=\s*)?)?(\d+)", re.MULTILINE)
    for path in candidates:
        if path.is_file() and (m := pattern.search(path.read_text())):
            return int(m.group(1))
    return None


def postgres_init() -> tuple[set[str], dict[str, str], dict[str, str]]:
    """(databases, role -> the environment variable holding its password, database -> owner) created by
    deploy/docker/postgres-init.sh: the SQL it pipes into psql, whose ``:'var'`` is bound by ``-v var="$ENV"``."""
    script = POSTGRES_INIT.read_text()
    sql = re.sub(r"--[^\n]*", "", script)
    databases: dict[str, str] = {}
    for m in re.finditer(r"CREATE\s+DATABASE\s+(\w+)(?:\s+(?:WITH\s+)?OWNER\s*=?\s*(\w+))?", sql, re.I):
        databases[m.group(1)] = m.group(2) or "postgres"
    bound = {m.group(1): m.group(2) for m in re.finditer(r'-v\s+(\w+)="\$\{?([A-Za-z_]\w*)\}?"', script)}
    roles = {
        m.group(1): bound.get(m.group(2), f"<unbound psql variable {m.group(2)}>")
        for m in re.finditer(r"CREATE\s+(?:ROLE|USER)\s+(\w+)[^;]*?PASSWORD\s+:'(\w+)'", sql, re.I)
    }
    return set(databases), roles, databases


def database_url_parts(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "scheme": parts.scheme,
        "user": parts.username,
        "password": parts.password,
        "host": parts.hostname,
        "port": parts.port,
        "database": parts.path.lstrip("/"),
    }


def parse_subgraphs(value: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
    return {name.strip(): url.strip() for name, url in pairs}
