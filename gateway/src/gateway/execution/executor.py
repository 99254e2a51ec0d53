"""Runs a `QueryPlan`: phases in order, steps in order, the fetch groups of a step in parallel."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway import jsoncodec
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


@dataclass
class _Request:
    client: SubgraphClient
    variables: Mapping[str, Any]
    headers: Mapping[str, str]
    plan: QueryPlan
    coerced: Mapping[str, Any]


async def execute_plan(
    plan: QueryPlan,
    client: SubgraphClient,
    variables: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    coerced_variables: Mapping[str, Any] | None = None,
    root_result: Mapping[str, Any] | None = None,
) -> ExecutionOutcome:
    """Run the plan. `variables` are forwarded as the client sent them; `coerced_variables` (defaults applied)
    decide `@skip`/`@include` on whole fetches. `root_result` (a subscription event: the root fetch's response,
    produced locally) stands in for the plan's first step."""
    outcome = ExecutionOutcome(data={})
    request = _Request(
        client=client,
        variables=variables,
        headers=headers or {},
        plan=plan,
        coerced=coerced_variables if coerced_variables is not None else variables,
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
    try:
        payload = await request.client.request(
            node.subgraph, node.operation_text, _variables_for(request, node.variable_names), request.headers
        )
    except SubgraphUnavailable as exc:
        outcome.errors.append(_unavailable_error(exc))
        outcome.errored_paths.append(())
        return
    if node.renames:
        apply_renames(payload.get("data"), node.renames)
    _merge_root_result(outcome, node.subgraph, payload)


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
    alias_targets: dict[str, list[list[tuple[dict[str, Any], ResponsePath]]]] = {}
    for index, (node, _, targets) in enumerate(batches):
        alias = alias_for(index, len(batches))
        alias_targets[alias] = targets
        results = (data or {}).get(alias)
        if not isinstance(results, list):
            continue
        for result, objects in zip(results, targets, strict=False):
            if isinstance(result, dict):
                if node.renames:
                    apply_renames(result, node.renames)
                for obj, _ in objects:
                    deep_merge(obj, result, replace_typename=node.resolves_typename)

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


def _same_path(path: list[Any]) -> list[ResponsePath]:
    return [tuple(path)]


def _add_subgraph_error(outcome: ExecutionOutcome, subgraph: str, error: Any, remap: Any) -> None:
    if not isinstance(error, dict):
        return
    message = str(error.get("message") or f'Error while fetching subquery from service "{subgraph}"')
    extensions = {
        k: v for k, v in (error.get("extensions") or {}).items() if k not in ("exception", "stacktrace", "trace")
    }  # never pass a subgraph's stack trace on to clients
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
