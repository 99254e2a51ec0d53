"""docker-compose.yml: loading, environment, dependencies and compose's interpolation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .facts import COMPOSE_FILE


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    # SafeLoader resolves anchors and `<<` merge keys the way docker compose does.
    return yaml.safe_load(path.read_text())


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def find_cycle(graph: dict[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a node path (first node repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def expand_compose_default(value: str) -> str:
    """Resolve ${VAR:-default} / ${VAR-default} to the default (what compose uses with VAR unset)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation for the forms the file uses: ${X:?msg} fails when X is unset or empty."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        got = env.get(name, "")
        if op in (":?", "?") and not got:
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        if op in (":-", "-") and not got:
            return arg
        return got

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}", one, value)


def with_sample_values(value: str) -> str:
    """Interpolate with every referenced variable set to ``value-of-<NAME>``: what parsers of the file see."""
    names = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", value)
    return interpolate(value, {name: f"value-of-{name}" for name in names})
