"""The four services as the stack knows them: how to build each one's runtime and app."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

SERVICE_NAMES = ("identity", "scheduling", "billing", "learning")
PORTS = {"identity": 8001, "scheduling": 8002, "billing": 8003, "learning": 8004}


@dataclass(frozen=True)
class ServiceModule:
    name: str
    build_runtime: Callable[..., Any]
    create_app: Callable[..., Any]
    settings_cls: type[Any]

    @classmethod
    def load(cls, name: str) -> ServiceModule:
        bootstrap = importlib.import_module(f"{name}.bootstrap")
        settings = importlib.import_module(f"{name}.settings")
        settings_cls = next(
            v for k, v in vars(settings).items() if k.endswith("Settings") and k != "ServiceSettings"
            and isinstance(v, type)
        )
        return cls(name, bootstrap.build_runtime, bootstrap.create_app, settings_cls)


def available_services() -> list[ServiceModule]:
    """The four services; a missing one is an installation error worth stopping for."""
    return [ServiceModule.load(n) for n in SERVICE_NAMES if _has_bootstrap(n)]


def _has_bootstrap(name: str) -> bool:
    import importlib.util

    try:
        found = importlib.util.find_spec(f"{name}.bootstrap") is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        log.warning("service %s is not installed; the stack runs without it", name)
    return found
