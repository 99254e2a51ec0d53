"""The per-request GraphQL context every subgraph receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kabinet.auth.principal import Principal

if TYPE_CHECKING:
    from kabinet.runtime import ServiceRuntime


@dataclass
class RequestContext:
    principal: Principal
    runtime: ServiceRuntime
    request: Any = None
    response: Any = None
    # DataLoaders are created per request (never shared across requests: they cache).
    loaders: dict[str, Any] = field(default_factory=dict)

    def loader(self, name: str, factory: Any) -> Any:
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]
