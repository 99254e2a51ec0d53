"""What a resolver reaches through the request context: scheduling's app (a unit of work per mutation), the
request's read model and its DataLoaders — each by a typed accessor, created once per request."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.types import Info

from kabinet.graphql.context import RequestContext
from scheduling.schema.loaders import Loaders
from scheduling.service.unit_of_work import SchedulingApp, SchedulingReads

_KEY = "scheduling"  # the one slot of the kit's per-request cache this module fills


@dataclass(frozen=True)
class SchedulingRequest:
    reads: SchedulingReads
    loaders: Loaders


def app(info: Info[RequestContext, None]) -> SchedulingApp:
    """The runtime bootstrap built (``SchedulingRuntime``): it implements ``SchedulingApp``."""
    runtime = info.context.runtime
    if not isinstance(runtime, SchedulingApp):
        raise TypeError("scheduling's schema runs on scheduling's runtime (scheduling.bootstrap.build_runtime)")
    return runtime


def request(info: Info[RequestContext, None]) -> SchedulingRequest:
    found = info.context.loaders.get(_KEY)
    if not isinstance(found, SchedulingRequest):
        reads = app(info).read_model(info.context)
        found = info.context.loaders[_KEY] = SchedulingRequest(reads, Loaders(reads, info.context.principal))
    return found


def reads(info: Info[RequestContext, None]) -> SchedulingReads:
    return request(info).reads


def loaders(info: Info[RequestContext, None]) -> Loaders:
    return request(info).loaders
