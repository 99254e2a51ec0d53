"""For each service's unit test: every error class it defines has its code in its subgraph's ``ErrorCode``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Hashable, Iterator

from kabinet.errors import KabinetError
from kabinet.graphql.error_codes import PASS_THROUGH, codes_of


def _subclasses(cls: type[KabinetError]) -> Iterator[type[KabinetError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def error_classes_of(package: str) -> set[type[KabinetError]]:
    """Every :class:`KabinetError` subclass defined anywhere in ``package`` (its modules are imported first;
    Alembic migrations are left out: they run only under Alembic)."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    return {cls for cls in _subclasses(KabinetError)
            if cls.__module__ == package or cls.__module__.startswith(f"{package}.")}


def codes_missing_from_enum(package: str, error_type: Hashable) -> dict[str, str]:
    """``{class name: code}`` of the package's error classes whose code ``error_type.code`` cannot carry."""
    known = codes_of(error_type)
    return {f"{cls.__module__}.{cls.__qualname__}": cls.code for cls in error_classes_of(package)
            if cls.code not in known and not issubclass(cls, PASS_THROUGH)}
