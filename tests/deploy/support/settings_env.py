"""The environment variables each app's pydantic settings read (to find typos in what we set)."""

from __future__ import annotations

from collections.abc import Iterable

from .facts import APPS

SETTINGS_CLASSES = {
    "identity": "identity.settings:IdentitySettings",
    "scheduling": "scheduling.settings:SchedulingSettings",
    "billing": "billing.settings:BillingSettings",
    "learning": "learning.settings:LearningSettings",
    "gateway": "gateway.config:GatewaySettings",
}


def settings_env_names(app: str) -> set[str] | None:
    """Every environment variable the app's pydantic settings read (nested settings included), or None
    when the settings class is not written yet."""
    import importlib

    from pydantic import AliasChoices
    from pydantic_settings import BaseSettings

    module_name, _, class_name = SETTINGS_CLASSES[app].partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None

    names: set[str] = set()

    def collect(model: type[BaseSettings]) -> None:
        prefix = str(model.model_config.get("env_prefix", "")).upper()
        for field_name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
                collect(annotation)  # nested settings built by default_factory read their own prefix
                continue
            alias = field.validation_alias
            if isinstance(alias, str):
                names.add(alias.upper())
            elif isinstance(alias, AliasChoices):
                names.update(str(choice).upper() for choice in alias.choices if isinstance(choice, str))
            else:
                names.add(f"{prefix}{field_name}".upper())

    collect(cls)
    return names


def unknown_env_names(app: str, env_names: Iterable[str]) -> list[str] | None:
    """Variables we set for the app that its settings do not read (typos), or None if no settings yet.

    NAME_FILE counts as NAME (the image entrypoint turns it into NAME). The common variables every
    container receives (broker, exchange, JWT) are accepted when the kit's settings read them at all."""
    known = settings_env_names(app)
    if known is None:
        return None
    common = set()
    for other in SETTINGS_CLASSES:
        common |= settings_env_names(other) or set()
    shared = {n for n in common if not any(n.startswith(f"{a.upper()}_") for a in APPS)}
    out = []
    for name in env_names:
        base = name.removesuffix("_FILE")
        if base not in known and base not in shared:
            out.append(name)
    return sorted(out)
