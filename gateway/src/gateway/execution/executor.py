"""Runs a `QueryPlan`: phases in order, steps in order, the fetch groups of a step in parallel."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, InlineFragmentNode, OperationType, SelectionNode

from gateway import jsoncodec
from gateway.cache import (
    NESTED_FIELD_TAGS,
    CacheScope,
    EntityCache,
    Pending,
    argument_tags,
    entry_key,
    field_tags,
    ids_in,
    is_uuid,
    subgraph_tags,
)
from gateway.cache.responses import ResponseTags
from gateway.execution.merging import ResponsePath, apply_renames, deep_merge, extract_representation, objects_at
from gateway.execution.shaping import directives_allow, include_node
from gateway.execution.subgraph_client import SubgraphClient, SubgraphUnavailable
from gateway.planning.plan import FetchGroup, FetchNode, QueryPlan, alias_for, representations_variable


@dataclass
class ExecutionOutcome:
    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Response paths under which data is missing because of a reported error: the shaper adds no
    # "Cannot return null" error there (the client already has the real cause).
    errored_paths: list[ResponsePath] = field(default_factory=list)


@dataclass(frozen=True)
class RequestCache:
    """The entity cache for one query: whose answers (`scope`). `response`: collects every fetch's tags for the
    response layer (gateway.cache.responses), when it may keep this query's answer."""

    cache: EntityCache
    scope: CacheScope
    started: int = 0
    response: ResponseTags | None = None


@dataclass
class _Request:
    client: SubgraphClient
    variables: Mapping[str, Any]
    headers: Mapping[str, str]
    plan: QueryPlan
    coerced: Mapping[str, Any]
    cache: RequestCache | None = None

    @property
    def response(self) -> ResponseTags | None:
        return self.cache.response if self.cache is not None else None


async def execute_plan(
    plan: QueryPlan,
    client: SubgraphClient,
    variables: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    coerced_variables: Mapping[str, Any] | None = None,
    root_result: Mapping[str, Any] | None = None,
    cache: RequestCache | None = None,
) -> ExecutionOutcome:
    """Run the plan. `variables` are forwarded as the client sent them; `coerced_variables` (defaults applied)
    decide `@skip`/`@include` on whole fetches. `root_result` (a subscription event: the root fetch's response,
    produced locally) stands in for the plan's first step. `cache`: answers are read from and kept in it
    (queries only)."""
    outcome = ExecutionOutcome(data={})
    request = _Request(
        client=client,
        variables=variables,
        headers=headers or {},
        plan=plan,
        coerced=coerced_variables if coerced_variables is not None else variables,
        cache=cache if cache is not None and plan.operation_type == OperationType.QUERY else None,
    )
    skip_first = False
    if root_result is not None:
        _merge_root_result(outcome, plan.phases[0][0][0].nodes[0].subgraph, root_result)
        skip_first = True
    for phase in plan.phases:
        for step in phase:
            if skip_first:
                skip_first = False
                continue
            if len(step) == 1:  # no task (and no extra event-loop iteration) for a lone fetch group
                await _run_group(request, step[0], outcome)
            else:
                await asyncio.gather(*(_run_group(request, group, outcome) for group in step))
    return outcome


def _merge_root_result(outcome: ExecutionOutcome, subgraph: str, payload: Mapping[str, Any]) -> None:
    data = payload.get("data")
    if isinstance(data, dict):
        deep_merge(outcome.data, data)
    for error in payload.get("errors") or ():
        _add_subgraph_error(outcome, subgraph, error, _same_path)


async def _run_group(request: _Request, group: FetchGroup, outcome: ExecutionOutcome) -> None:
    if group.nodes[0].kind == "root":
        await _run_root(request, group.nodes[0], outcome)
    else:
        await _run_entities(request, group, outcome)


def _variables_for(request: _Request, names: tuple[str, ...]) -> dict[str, Any]:
    # Only the variables this fetch uses; a subgraph must not receive (or validate) the others.
    return {name: request.variables[name] for name in names if name in request.variables}


async def _run_root(request: _Request, node: FetchNode, outcome: ExecutionOutcome) -> None:
    variables = _variables_for(request, node.variable_names)
    cache = request.cache
    collected = request.response
    key = ""
    cached = None
    if cache is not None:
        key = entry_key(
            cache.scope.key, _node_digest(node, node.subgraph, node.operation_text), jsoncodec.dumps_sorted(variables)
        )
        (cached,) = await cache.cache.lookup([key], collected.used if collected is not None else None)
    if cached is not None:
        payload: dict[str, Any] = {"data": cached}
        if collected is not None and cache is not None:
            collected.add(_root_tags(cache, node, variables, cached))
    else:
        try:
            payload = await request.client.request(node.subgraph, node.operation_text, variables, request.headers)
        except SubgraphUnavailable as exc:
            outcome.errors.append(_unavailable_error(exc))
            outcome.errored_paths.append(())
            return
        data = payload.get("data")
        # A root list (open slots, bookable lessons, a search) gains members that no event names by this
        # answer's tags (opening a slot publishes nothing): never kept, so a new member shows at once. Nor is
        # a fetch of a field its subgraph declares never kept (`@cacheControl(maxAge: 0)`, see FetchNode).
        if (cache is not None and isinstance(data, dict) and not payload.get("errors")
                and not any(isinstance(v, list) for v in data.values()) and not node.never_kept):
            tags = _root_tags(cache, node, variables, data)
            await cache.cache.store(cache.started, [Pending(key, jsoncodec.dumps(data), tags)])
            if collected is not None:
                collected.add(tags)
        elif collected is not None:
            collected.uncacheable()
    if node.renames:
        apply_renames(payload.get("data"), node.renames)
    _merge_root_result(outcome, node.subgraph, payload)


def _root_tags(
    cache: RequestCache, node: FetchNode, variables: Mapping[str, Any], data: dict[str, Any]
) -> frozenset[str]:
    tags = set(cache.scope.tags)
    argument_tags(variables, tags)
    ids_in(data, tags)
    tags.update(field_tags(data))
    tags.update(_named_fields(node))
    return subgraph_tags(node.subgraph, tags)


async def _run_entities(request: _Request, group: FetchGroup, outcome: ExecutionOutcome) -> None:
    # Per node: the distinct representations and, for each, every object (and its path) it stands for.
    batches: list[tuple[FetchNode, list[dict[str, Any]], list[list[tuple[dict[str, Any], ResponsePath]]]]] = []
    for node in group.nodes:
        if node.fields and not any(
            include_node(f, request.coerced) and directives_allow(c, request.coerced)
            for f, c in zip(node.fields, node.conditions, strict=False)
        ):
            continue
        representations: list[dict[str, Any]] = []
        targets: list[list[tuple[dict[str, Any], ResponsePath]]] = []
        index_of: dict[bytes, int] = {}
        for obj, path in objects_at(outcome.data, node.path, node.type_conditions):
            typename = obj["__typename"]
            fields = extract_representation(
                obj, node.representation_fields[typename], node.optional_fields.get(typename, frozenset())
            )
            if fields is None:
                continue
            representation = {"__typename": node.representation_typename.get(typename, typename), **fields}
            # Equal representations are sent once (the same author on many reviews is fetched once).
            identity = jsoncodec.dumps_sorted(representation)
            if identity in index_of:
                targets[index_of[identity]].append((obj, path))
            else:
                index_of[identity] = len(representations)
                representations.append(representation)
                targets.append([(obj, path)])
        if representations:
            batches.append((node, representations, targets))
    if not batches:
        return
    cache = request.cache
    collected = request.response
    if cache is not None:
        batches = await _from_cache(request, group, cache, batches, outcome)
        if not batches:
            return
    nodes = [node for node, _, _ in batches]
    variables = _variables_for(request, tuple(dict.fromkeys(v for n in nodes for v in n.variable_names)))
    for index, (_, representations, _) in enumerate(batches):
        variables[representations_variable(index, len(batches))] = representations
    query = group.entities_operation(nodes, request.plan.variable_definitions)
    try:
        payload = await request.client.request(group.subgraph, query, variables, request.headers)
    except SubgraphUnavailable as exc:
        outcome.errors.append(_unavailable_error(exc))
        outcome.errored_paths.extend(path for _, _, targets in batches for t in targets for _, path in t)
        return
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    if cache is not None and data:
        await _to_cache(request, group, cache, batches, data, payload.get("errors") or (), outcome.data)
    elif collected is not None:
        collected.uncacheable()
    alias_targets: dict[str, list[list[tuple[dict[str, Any], ResponsePath]]]] = {}
    for index, (node, _, targets) in enumerate(batches):
        alias = alias_for(index, len(batches))
        alias_targets[alias] = targets
        results = (data or {}).get(alias)
        if not isinstance(results, list):
            continue
        for result, objects in zip(results, targets, strict=False):
            _merge_entity(node, result, objects)

    def remap(path: list[Any]) -> list[ResponsePath]:
        # One `_entities` item may stand for several objects (equal representations are sent once): the
        # error is reported at each of their paths, as Apollo's gateway does.
        if len(path) >= 2 and path[0] in alias_targets and isinstance(path[1], int):
            targets = alias_targets[path[0]]
            if path[1] < len(targets):
                return [(*target_path, *path[2:]) for _, target_path in targets[path[1]]]
        return []

    errors = payload.get("errors") or ()
    for error in errors:
        _add_subgraph_error(outcome, group.subgraph, error, remap)
    if errors and not data:
        outcome.errored_paths.extend(path for _, _, targets in batches for t in targets for _, path in t)


_Batch = tuple[FetchNode, list[dict[str, Any]], list[list[tuple[dict[str, Any], ResponsePath]]]]


def _merge_entity(node: FetchNode, result: Any, objects: list[tuple[dict[str, Any], ResponsePath]]) -> None:
    if isinstance(result, dict):
        if node.renames:
            apply_renames(result, node.renames)
        for obj, _ in objects:
            deep_merge(obj, result, replace_typename=node.resolves_typename)


_NAMED_FIELDS: weakref.WeakKeyDictionary[FetchNode, frozenset[str]] = weakref.WeakKeyDictionary()


def _named_fields(node: FetchNode) -> frozenset[str]:
    """`f:<name>` of the top-level fields a node asks for by name, and of the nested ones an event drops
    wherever they are (`NESTED_FIELD_TAGS`): the answer's keys are the client's aliases, and an event drops a
    field by its name (`lessons`, however a client calls it)."""
    tags = _NAMED_FIELDS.get(node)
    if tags is None:
        found: set[str] = set()

        def walk(selections: Sequence[SelectionNode], top: bool) -> None:
            for selection in selections:
                if isinstance(selection, FieldNode):
                    if top or selection.name.value in NESTED_FIELD_TAGS:
                        found.add(f"f:{selection.name.value}")
                    if selection.selection_set is not None:
                        walk(selection.selection_set.selections, False)
                elif isinstance(selection, InlineFragmentNode):
                    walk(selection.selection_set.selections, top)

        walk(node.selections, True)
        tags = _NAMED_FIELDS[node] = frozenset(found)
    return tags


def _node_digest(node: FetchNode, subgraph: str, text: str) -> bytes:
    """What a fetch node asks of its subgraph (the selection set), hashed once per node of a cached plan."""
    digest = node.cache_digest
    if not digest:
        digest = node.cache_digest = entry_key(subgraph.encode(), text.encode()).encode()
    return digest


def _entity_keys(request: _Request, group: FetchGroup, cache: RequestCache, batch: _Batch) -> list[str]:
    node, representations, _ = batch
    if not node.cache_digest:
        _node_digest(node, group.subgraph, group.entities_operation([node], request.plan.variable_definitions))
    prefix = entry_key(
        cache.scope.key, node.cache_digest, jsoncodec.dumps_sorted(_variables_for(request, node.variable_names))
    ).encode()
    return [entry_key(prefix, jsoncodec.dumps_sorted(r)) for r in representations]


async def _from_cache(
    request: _Request, group: FetchGroup, cache: RequestCache, batches: list[_Batch], outcome: ExecutionOutcome
) -> list[_Batch]:
    """Merge the cached answers; the batches left hold the representations still to fetch."""
    keys = [_entity_keys(request, group, cache, batch) for batch in batches]
    collected = cache.response
    found = await cache.cache.lookup([k for ks in keys for k in ks], collected.used if collected else None)
    position = 0
    left: list[_Batch] = []
    for (node, representations, targets), _ in zip(batches, keys, strict=True):
        missing_r: list[dict[str, Any]] = []
        missing_t: list[list[tuple[dict[str, Any], ResponsePath]]] = []
        node_variables = _variables_for(request, node.variable_names) if collected is not None else {}
        for representation, objects in zip(representations, targets, strict=True):
            result = found[position]
            position += 1
            if result is None:
                missing_r.append(representation)
                missing_t.append(objects)
            else:
                if collected is not None:  # before merging renames the answer's fields
                    collected.add(
                        _entity_tags(cache, node, representation, node_variables, result, objects, outcome.data)
                    )
                _merge_entity(node, result, objects)
        if missing_r:
            left.append((node, missing_r, missing_t))
    return left


async def _to_cache(
    request: _Request,
    group: FetchGroup,
    cache: RequestCache,
    batches: list[_Batch],
    data: dict[str, Any],
    errors: Any,
    root: dict[str, Any],
) -> None:
    """Keep each answer that came without an error, tagged (see gateway.cache)."""
    collected = cache.response
    if errors and collected is not None:
        collected.uncacheable()
    errored: set[tuple[str, int]] = set()
    for error in errors:
        path = error.get("path") if isinstance(error, dict) else None
        if not (isinstance(path, list) and len(path) >= 2 and isinstance(path[1], int)):
            return  # an error not tied to one answer: keep nothing of this fetch
        errored.add((str(path[0]), path[1]))
    entries: list[Pending] = []
    for index, batch in enumerate(batches):
        node, representations, targets = batch
        alias = alias_for(index, len(batches))
        results = data.get(alias)
        if node.never_kept or not isinstance(results, list) or len(results) != len(representations):
            if collected is not None:
                collected.uncacheable()
            continue
        keys = _entity_keys(request, group, cache, batch)
        node_variables = _variables_for(request, node.variable_names)
        for i, (key, representation, result, objects) in enumerate(
            zip(keys, representations, results, targets, strict=True)
        ):
            if not isinstance(result, dict) or (alias, i) in errored:
                if collected is not None:
                    collected.uncacheable()
                continue
            tags = _entity_tags(cache, node, representation, node_variables, result, objects, root)
            entries.append(Pending(key, jsoncodec.dumps(result), tags))
            if collected is not None:
                collected.add(tags)
    if entries:
        await cache.cache.store(cache.started, entries)


def _entity_tags(
    cache: RequestCache,
    node: FetchNode,
    representation: dict[str, Any],
    node_variables: Mapping[str, Any],
    result: dict[str, Any],
    objects: list[tuple[dict[str, Any], ResponsePath]],
    root: dict[str, Any],
) -> frozenset[str]:
    tags = set(cache.scope.tags)
    ids_in(representation, tags)
    argument_tags(node_variables, tags)
    ids_in(result, tags)
    tags.update(field_tags(result))
    tags.update(_named_fields(node))
    for _, path in objects:
        _ancestor_ids(root, path, tags)
    return subgraph_tags(node.subgraph, tags)


def _ancestor_ids(root: Any, path: ResponsePath, tags: set[str]) -> None:
    """The ids of the objects above an answer's object: a student's answer is dropped with its family's events."""
    value = root
    for step in path[:-1]:
        if isinstance(value, dict):
            value = value.get(step) if isinstance(step, str) else None
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return
        if isinstance(value, dict):
            ident = value.get("id")
            if isinstance(ident, str) and is_uuid(ident):
                tags.add(ident)


def _same_path(path: list[Any]) -> list[ResponsePath]:
    return [tuple(path)]


def _add_subgraph_error(outcome: ExecutionOutcome, subgraph: str, error: Any, remap: Any) -> None:
    if not isinstance(error, dict):
        return
    message = str(error.get("message") or f'Error while fetching subquery from service "{subgraph}"')
    raw = error.get("extensions")
    extensions = {
        k: v for k, v in (raw if isinstance(raw, dict) else {}).items() if k not in ("exception", "stacktrace", "trace")
    }  # never pass a subgraph's stack trace on to clients (nor fail on extensions that are not an object)
    extensions["serviceName"] = subgraph
    # A subgraph error without a code is reported as Apollo's gateway does.
    extensions.setdefault("code", "DOWNSTREAM_SERVICE_ERROR")
    path = error.get("path")
    paths: list[ResponsePath] = remap(path) if isinstance(path, list) else []
    if not paths:
        outcome.errored_paths.append(())
        outcome.errors.append({"message": message, "extensions": extensions})
        return
    for mapped in paths:
        outcome.errored_paths.append(mapped)
        outcome.errors.append({"message": message, "path": list(mapped), "extensions": dict(extensions)})


def _unavailable_error(exc: SubgraphUnavailable) -> dict[str, Any]:
    return {
        "message": f"Subgraph '{exc.subgraph}' is unavailable.",
        # SERVICE_UNAVAILABLE, as a subgraph answers when its own dependencies are down: clients retry.
        "extensions": {"code": "SERVICE_UNAVAILABLE", "serviceName": exc.subgraph},
    }
