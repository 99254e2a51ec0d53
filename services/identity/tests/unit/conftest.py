"""Identity's unit tests: use cases on the in-memory unit of work (memory.py), no database, no broker.

With --import-mode=importlib this directory is not on sys.path, and another service's tests may have modules
of the same names: memory.py and support.py are loaded as ``identity_memory`` and ``identity_unit_support``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load(name: str, file: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(file))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load("identity_memory", "memory.py")
_load("identity_unit_support", "support.py")

from identity_memory import World, make_world  # noqa: E402


@pytest.fixture
def world() -> World:
    return make_world()
