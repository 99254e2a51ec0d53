"""Unit tests: the domain and the use cases on the in-memory unit of work (``memory.py``), no database.

``memory.py`` and ``school.py`` are loaded under names of their own (``scheduling_memory``,
``scheduling_school``): pytest runs with --import-mode=importlib, and another service's tests may have modules
of the same names."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load(name: str, file: str) -> None:
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(file))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load("scheduling_memory", "memory.py")
_load("scheduling_school", "school.py")

from scheduling_school import School  # noqa: E402


@pytest.fixture
async def school() -> School:
    return await School().setup()
