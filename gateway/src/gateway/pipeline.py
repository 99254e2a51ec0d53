"""The request pipeline: parse + validate (cached), pick the operation, coerce variables, plan (cached),
execute, shape. Transport-agnostic: `app.py` maps its outcome onto HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule
from prometheus_client import Counter

from gateway import jsoncodec
from gateway.admission import Admission, Overloaded
from gateway.cache import CacheScope, EntityCache, in_subgraphs, mutation_tags
from gateway.cache import responses as response_layer
from gateway.composition.supergraph import Supergraph
from gateway.cost import CostEstimator
from gateway.execution.executor import ExecutionOutcome, RequestCache, execute_plan
from gateway.execution.shaping import directive_variables, shape_response
from gateway.execution.subgraph_client import SubgraphClient
from gateway.limits import RequestLimits
from gateway.planning.cache import LRUCache
from gateway.planning.paths import PlanningError
from gateway.planning.plan import FetchNode, QueryPlan
from gateway.planning.planner import QueryPlanner
from gateway.sessions import current_exchange
from gateway.subgraph_errors import SubgraphErrors

SUBSCRIPTIONS_OVER_WEBSOCKET = (
    "Subscriptions are served over WebSocket (the graphql-transport-ws protocol) at this URL."
)

CACHE_EVENTS = Counter("gateway_cache_events_total", "Document and plan cache lookups", ["cache", "result"])
# Bound once: `labels()` costs more than the increment, on every request.
_CACHE_COUNTERS = {
    (cache, hit): CACHE_EVENTS.labels(cache, "hit" if hit else "miss")
    for cache in ("document", "plan")
    for hit in (True, False)
}


@dataclass(frozen=True)
class PreparedDocument:
    """A parsed and validated document, or the errors that make it unusable."""

    document: DocumentNode | None
    errors: tuple[dict[str, Any], ...]
    code: str | None  # GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED
    fragments: dict[str, FragmentDefinitionNode]
    # The variables `@skip`/`@include` read, and the compiled response shapes (per their values): see shaping.
    directive_variables: tuple[str, ...] = ()
    shapes: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None


@dataclass
class PipelineResult:
    body: dict[str, Any]
    # "request error" means no execution started (parse/validation/variables): HTTP 400.
    request_error: bool = False
    operation_type: OperationType | None = None
    # The body encoded, when the pipeline already did it. An answer from the response layer has only this
    # (`body` is empty: it is an error-free query's answer).
    encoded: bytes | None = None


class RequestRejected(Exception):
    def __init__(self, message: str, code: str) -> None:
        self.code = code
        super().__init__(message)


_QUOTED_NAME = re.compile(r"'([^'\s]+)'")


def graphql_js_quotes(message: str) -> str:
    """graphql-core quotes names with ' where graphql-js (and so every Node gateway) uses ": clients and tests
    that compare messages see the same text from us."""
    return _QUOTED_NAME.sub(r'"\1"', message)


def _error(message: str, code: str, error: GraphQLError | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"message": message}
    if error is not None and error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    out["extensions"] = {"code": code}
    return out


class GatewayPipeline:
    def __init__(
        self,
        supergraph: Supergraph,
        client: SubgraphClient,
        *,
        introspection_enabled: bool = False,
        subgraph_error_messages: Literal["typed", "all"] = "typed",
        document_cache_size: int = 1000,
        plan_cache_size: int = 1000,
        limits: RequestLimits | None = None,
        max_cost: int = 0,
        cost_default_list_size: int = 10,
        entity_cache: EntityCache | None = None,
        cache_responses: bool = True,
        admission: Admission | None = None,
    ) -> None:
        self.entity_cache = entity_cache
        # Shared by the pipelines of successive supergraphs (see gateway.admission).
        self.admission = admission
        self.cache_responses = cache_responses and entity_cache is not None
        self.limits = limits or RequestLimits()
        self.max_cost = max_cost
        self.cost = CostEstimator(supergraph, cost_default_list_size)
        # Cost per document + operation name, for operations whose estimate does not depend on variables.
        self.costs: LRUCache[tuple[str, str | None], int] = LRUCache(plan_cache_size)
        self.supergraph = supergraph
        self.schema = supergraph.api_schema
        self.subgraph_errors = SubgraphErrors(self.schema, verbatim=subgraph_error_messages == "all")
        self.client = client
        self.planner = QueryPlanner(supergraph)
        self.rules = list(specified_rules)
        if not introspection_enabled:
            self.rules.append(NoSchemaIntrospectionCustomRule)
        self.documents: LRUCache[str, PreparedDocument] = LRUCache(document_cache_size)
        self.plans: LRUCache[tuple[str, str | None], QueryPlan | PlanningError] = LRUCache(plan_cache_size)
        # Counted so tests (and metrics) can prove that cached requests skip validation and planning.
        self.validations = 0
        self.plannings = 0
        # Response-layer keys change with the API schema and with what decides whether a document is accepted.
        self.response_generation = (
            response_layer.generation(
                supergraph.api_sdl(), repr(self.limits), str(max_cost), str(introspection_enabled),
                subgraph_error_messages,
            )
            if self.cache_responses
            else b""
        )

    def prepare(self, query: str) -> PreparedDocument:
        cached = self.documents.get(query)
        _CACHE_COUNTERS["document", cached is not None].inc()
        if cached is not None:
            return cached
        try:
            document = parse(query, max_tokens=self.limits.max_tokens or None)
        except GraphQLError as exc:
            prepared = PreparedDocument(
                None, (_error(exc.message, "GRAPHQL_PARSE_FAILED", exc),), "GRAPHQL_PARSE_FAILED", {}
            )
        else:
            self.validations += 1
            errors = validate(self.schema, document, self.rules)
            if not errors:
                errors = [GraphQLError(problem) for problem in self.limits.violations(document)]
            fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            prepared = PreparedDocument(
                None if errors else document,
                tuple(_error(graphql_js_quotes(e.message), "GRAPHQL_VALIDATION_FAILED", e) for e in errors),
                "GRAPHQL_VALIDATION_FAILED" if errors else None,
                fragments,
                () if errors else directive_variables(document),
            )
        self.documents.put(query, prepared)
        return prepared

    def plan_for(
        self, query: str, operation_name: str | None, document: DocumentNode, operation: OperationDefinitionNode
    ) -> QueryPlan | PlanningError:
        key = (query, operation_name)
        plan = self.plans.get(key)
        _CACHE_COUNTERS["plan", plan is not None].inc()
        if plan is None:
            self.plannings += 1
            try:
                plan = self.planner.plan(document, operation)
            except PlanningError as exc:
                plan = exc
            self.plans.put(key, plan)
        return plan

    @staticmethod
    def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name:
            for operation in operations:
                if operation.name and operation.name.value == operation_name:
                    return operation
            raise RequestRejected(f'Unknown operation named "{operation_name}".', "OPERATION_RESOLUTION_FAILURE")
        if len(operations) != 1:
            raise RequestRejected(
                "Must provide operation name if query contains multiple operations.", "OPERATION_RESOLUTION_FAILURE"
            )
        return operations[0]

    def resolve(self, request: GraphQLRequest) -> tuple[PreparedDocument, OperationDefinitionNode]:
        """Parse/validate and pick the operation (used by the HTTP layer to reject mutations over GET)."""
        prepared = self.prepare(request.query)
        if prepared.document is None:
            raise _Rejected(prepared)
        return prepared, self.select_operation(prepared.document, request.operation_name)

    async def execute(
        self,
        request: GraphQLRequest,
        headers: Mapping[str, str] | None = None,
        cache_scope: CacheScope | None = None,
    ) -> PipelineResult:
        """`cache_scope`: the caller's, when the entity cache may serve this request (see gateway.cache)."""
        cache = self.entity_cache
        response_key = ""
        # The response layer: before the document is even looked up (a key hit was a query when it was kept;
        # a query never depends on the session cookie, see below).
        if (
            self.cache_responses
            and cache is not None
            and cache_scope is not None
            and cache.usable
            and not self._never_kept(request)
        ):
            response_key = response_layer.response_key(
                cache_scope, self.response_generation, request.query, request.operation_name, request.variables
            )
            encoded = await response_layer.lookup(cache, response_key)
            if encoded is not None:
                return PipelineResult({}, operation_type=OperationType.QUERY, encoded=encoded)
        started = self.start(request)
        if isinstance(started, PipelineResult):
            return started
        if started.operation.operation == OperationType.SUBSCRIPTION:
            return PipelineResult(
                {"errors": [_error(SUBSCRIPTIONS_OVER_WEBSOCKET, "BAD_REQUEST")]},
                request_error=True,
                operation_type=started.operation.operation,
            )
        request_cache = None
        operation_type = started.operation.operation
        session = None
        if operation_type == OperationType.QUERY:
            # The session subgraph (identity) reads the web app's session cookie in its session mutations only
            # (refreshSession, signOut, the sign-ins): a query's answers are its caller's scope's alone, so the
            # cookie is not forwarded with it and the cache serves the browser as any other client. (A mutation,
            # which does get it, is never cached.)
            session = current_exchange.set(None)
        if cache is not None and cache_scope is not None and operation_type == OperationType.QUERY:
            if cache.usable:
                collected = None
                if response_key:
                    response_layer.missed()  # counted here: only queries (a mutation's lookup is no miss)
                    if started.plan.introspection_document is None:
                        collected = response_layer.ResponseTags()
                request_cache = RequestCache(cache, cache_scope, cache.begin(), collected)
            else:
                cache.bypassed()
        # Send subgraphs what the client sent (subgraphs apply their own defaults from the copied definitions).
        admission = self.admission
        try:
            if admission is not None:
                try:
                    await admission.acquire(write=operation_type == OperationType.MUTATION)
                except Overloaded as exc:
                    return PipelineResult({"errors": [_error(str(exc), exc.code)]}, operation_type=operation_type)
            try:
                outcome = await execute_plan(
                    started.plan, self.client, started.raw_variables, headers, started.variables, cache=request_cache
                )
            finally:
                if admission is not None:
                    admission.release()
        finally:
            if session is not None:
                current_exchange.reset(session)
        if cache is not None and operation_type == OperationType.MUTATION:
            # Before answering: what the mutation touched, and everything its caller sees, is fetched again.
            # In the subgraphs it was sent to: the others learn of it from its events (see gateway.cache).
            tags = mutation_tags(cache_scope, started.raw_variables, outcome.data)
            await cache.invalidate(in_subgraphs(tags, _mutated_subgraphs(started.plan)), "mutation")
        if started.plan.introspection_document is not None:
            result = self._introspect(started.plan, started.raw_variables)
            if result.data:
                outcome.data.update(result.data)
            outcome.errors.extend(dict(e.formatted) for e in result.errors or ())
        body = self.shape(started, outcome)
        if request_cache is not None and request_cache.response is not None and len(body) == 1:
            # Only `data`: no error, no value completion.
            encoded = jsoncodec.dumps(body)
            await response_layer.store(
                request_cache.cache,
                request_cache.started,
                request_cache.scope,
                response_key,
                encoded,
                request_cache.response,
            )
            return PipelineResult(body, operation_type=operation_type, encoded=encoded)
        return PipelineResult(body, operation_type=operation_type)

    def _never_kept(self, request: GraphQLRequest) -> bool:
        """A document already planned as a mutation: its answer is never kept, so a lookup could not hit."""
        plan = self.plans.peek((request.query, request.operation_name))
        return isinstance(plan, QueryPlan) and plan.operation_type != OperationType.QUERY

    def start(self, request: GraphQLRequest) -> Started | PipelineResult:
        """Everything before execution: the document, the operation, variables, the cost check, the plan."""
        try:
            prepared, operation = self.resolve(request)
        except _Rejected as rejected:
            return PipelineResult({"errors": list(rejected.prepared.errors)}, request_error=True)
        except RequestRejected as exc:
            return PipelineResult({"errors": [_error(str(exc), exc.code)]}, request_error=True)
        assert prepared.document is not None
        raw_variables = dict(request.variables or {})
        coerced = get_variable_values(self.schema, operation.variable_definitions or (), raw_variables)
        if isinstance(coerced, list):
            return PipelineResult(
                {"errors": [_error(e.message, "BAD_USER_INPUT", e) for e in coerced]},
                request_error=True,
                operation_type=operation.operation,
            )
        variables = coerced.coerced
        if self.max_cost:
            cost = self.estimate_cost(request, operation, prepared.fragments, variables)
            if cost > self.max_cost:
                return PipelineResult(
                    {
                        "errors": [
                            {
                                "message": f"The operation's estimated cost ({cost}) exceeds the limit of "
                                f"{self.max_cost}.",
                                "extensions": {"code": "COST_LIMIT_EXCEEDED", "cost": cost, "maxCost": self.max_cost},
                            }
                        ]
                    },
                    request_error=True,
                    operation_type=operation.operation,
                )
        plan = self.plan_for(request.query, request.operation_name, prepared.document, operation)
        if isinstance(plan, PlanningError):
            return PipelineResult(
                {"data": None, "errors": [_error(str(plan), "QUERY_PLANNING_FAILED")]},
                operation_type=operation.operation,
            )
        return Started(prepared, operation, raw_variables, variables, plan)

    def shape(self, started: Started, outcome: ExecutionOutcome) -> dict[str, Any]:
        value_completion: list[dict[str, Any]] = []
        data, errors = shape_response(
            self.schema,
            started.operation,
            started.prepared.fragments,
            started.variables,
            outcome.data,
            [self.subgraph_errors.screen(e) for e in outcome.errors],
            outcome.errored_paths,
            cache=started.prepared.shapes,
            directive_names=started.prepared.directive_variables,
            value_completion=value_completion,
        )
        body: dict[str, Any] = {}
        if errors:
            body["errors"] = errors
        body["data"] = data
        if value_completion:
            body["extensions"] = {"valueCompletion": value_completion}
        return body

    async def subscribe(
        self,
        started: Started,
        root_source: Callable[[FetchNode, dict[str, Any]], Awaitable[AsyncIterator[dict[str, Any]] | dict[str, Any]]],
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """A subscription's responses: the root fetch (the gateway's own subgraph) yields one result per event;
        the rest of the plan - entity fetches to the services - runs for each, then the response is shaped."""
        root = started.plan.phases[0][0][0].nodes[0]
        variables = {n: started.raw_variables[n] for n in root.variable_names if n in started.raw_variables}
        source = await root_source(root, variables)
        if isinstance(source, dict):  # the root subgraph refused the subscription (no event stream)
            yield {"errors": source.get("errors") or [], "data": None}
            return
        async for event in source:
            outcome = await execute_plan(
                started.plan, self.client, started.raw_variables, headers, started.variables, root_result=event
            )
            body = self.shape(started, outcome)
            if "eventId" in event:  # what a reconnecting client names to get the events it missed
                body.setdefault("extensions", {})["eventId"] = event["eventId"]
            yield body

    def estimate_cost(
        self,
        request: GraphQLRequest,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> int:
        key = (request.query, request.operation_name)
        cached = self.costs.get(key)
        if cached is not None:
            return cached
        cost, uses_variables = self.cost.estimate(operation, fragments, variables)
        if not uses_variables:
            self.costs.put(key, cost)
        return cost

    def _introspect(self, plan: QueryPlan, variables: dict[str, Any]) -> ExecutionResult:
        assert plan.introspection_document is not None
        result = execute(self.schema, plan.introspection_document, variable_values=variables)
        assert isinstance(result, ExecutionResult)
        return result


def _mutated_subgraphs(plan: QueryPlan) -> set[str]:
    """The subgraphs a mutation's root fields went to (its entity fetches only read)."""
    return {node.subgraph for node in plan.fetch_nodes() if node.kind == "root"}


@dataclass(frozen=True)
class Started:
    """A request ready to execute."""

    prepared: PreparedDocument
    operation: OperationDefinitionNode
    raw_variables: dict[str, Any]
    variables: dict[str, Any]
    plan: QueryPlan


class _Rejected(Exception):
    def __init__(self, prepared: PreparedDocument) -> None:
        self.prepared = prepared
