"""Subscriptions as a service of the gateway: the hub fed from the bus, who may subscribe to what, and the
root source the pipeline runs each subscription from (the Strawberry schema of `schema.py`).

Who may subscribe follows the services' own access rules, asked through the gateway with the caller's token:
a family's events need `family(id:)` to be visible to the caller (its guardians, admins of a branch it studies
in, the owner), a student's events `student(id:)` (the family, the student, the branch's admins, a teacher of
the student, the owner). A guardian asking for another family is refused without asking; so is anyone without
a token. The entity fields of each event are then fetched with the same token, so the services apply their
rules once more per event.

`familyActivity(familyId:)` carries the family's balance and its students' grades and homework on one stream;
its students are the token's (a guardian's or student's) or, for staff and the owner, the family's students as
identity shows them to the caller, asked once when the subscription opens.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

from gateway.pipeline import GatewayPipeline, GraphQLRequest, Started
from gateway.planning.plan import FetchNode
from gateway.subscriptions.feed import EventFeed
from gateway.subscriptions.hub import BINDINGS, EventHub, LessonProbe
from gateway.subscriptions.schema import SUBSCRIPTION_FIELDS, subscription_schema
from kabinet.auth import Principal, Role

log = logging.getLogger(__name__)

PROBES = {
    "family": "query GatewaySubscriptionAccess($id: ID!) { family(id: $id) { id } }",
    "student": "query GatewaySubscriptionAccess($id: ID!) { student(id: $id) { id } }",
}
FAMILY_STUDENTS_PROBE = "query GatewayFamilyStudents($id: ID!) { family(id: $id) { students { id } } }"
LESSON_PROBE = "query GatewayLessonParticipants($id: ID!) { lesson(id: $id) { participants { studentId } } }"


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


@dataclass(frozen=True)
class Access:
    """The answer to "may the caller open this subscription": `error` if not; for `familyActivity`, the
    family's students whose events it carries."""

    error: dict[str, Any] | None = None
    family_students: tuple[str, ...] = ()


class SubscriptionService:
    def __init__(self, feed: EventFeed | None, hub: EventHub | None = None) -> None:
        self.feed = feed
        self.hub = hub or EventHub()
        self.schema = subscription_schema()

    async def start(self) -> None:
        if self.feed is not None:
            await self.feed.start(BINDINGS, self.hub.handle)

    async def stop(self) -> None:
        if self.feed is not None:
            await self.feed.stop()

    @property
    def healthy(self) -> bool:
        """Events reach the hub (the feed's queue is consumed); readiness fails otherwise."""
        return self.feed is None or self.feed.healthy

    # --- access -------------------------------------------------------------------------------------

    async def authorize(
        self,
        pipeline: GatewayPipeline,
        started: Started,
        principal: Principal | None,
        headers: Mapping[str, str],
    ) -> Access:
        """Whether the caller may open this subscription (and, for `familyActivity`, for which students)."""
        field = _root_field(started.operation, started.prepared.fragments)
        if field is None or field.name.value not in SUBSCRIPTION_FIELDS:
            return Access(_error("Unknown subscription.", "BAD_REQUEST"))
        _, argument, kind = SUBSCRIPTION_FIELDS[field.name.value]
        subject = _argument(field, argument, started.variables)
        if not subject:
            return Access(_error(f"'{argument}' is required.", "BAD_USER_INPUT"))
        if "authorization" not in headers or (principal is not None and not principal.is_authenticated):
            return Access(_error("Sign in to subscribe.", "UNAUTHENTICATED"))
        if field.name.value == "familyActivity":
            return await self._family_activity(pipeline, principal, headers, subject)
        if principal is not None:
            if principal.role is Role.OWNER:
                return Access()
            if kind == "family" and principal.role in (Role.GUARDIAN, Role.STUDENT):
                return Access() if principal.family_id == subject else Access(_forbidden(kind))
            if kind == "student" and principal.role is Role.STUDENT:
                return Access() if subject in principal.student_ids else Access(_forbidden(kind))
        # Everyone else: the service that owns the family or student decides, with the caller's token.
        result = await pipeline.execute(GraphQLRequest(PROBES[kind], variables={"id": subject}), headers)
        data = result.body.get("data") or {}
        return Access() if data.get(kind) else Access(_forbidden(kind))

    async def _family_activity(
        self, pipeline: GatewayPipeline, principal: Principal | None, headers: Mapping[str, str], family_id: str
    ) -> Access:
        if principal is not None and principal.role in (Role.GUARDIAN, Role.STUDENT):
            if principal.family_id != family_id:
                return Access(_forbidden("family"))
            return Access(family_students=tuple(sorted(principal.student_ids)))
        # Staff and the owner: identity decides whether they see the family, and names its students.
        result = await pipeline.execute(GraphQLRequest(FAMILY_STUDENTS_PROBE, variables={"id": family_id}), headers)
        family = (result.body.get("data") or {}).get("family")
        if not family:
            return Access(_forbidden("family"))
        return Access(family_students=_ids(family.get("students")))

    def lesson_probe(self, pipeline: GatewayPipeline, headers: Mapping[str, str]) -> LessonProbe:
        async def on_lesson(lesson_id: str, student_id: str) -> bool:
            result = await pipeline.execute(GraphQLRequest(LESSON_PROBE, variables={"id": lesson_id}), headers)
            lesson = (result.body.get("data") or {}).get("lesson") or {}
            return any(p.get("studentId") == student_id for p in lesson.get("participants") or ())

        return on_lesson

    # --- the root fetch -----------------------------------------------------------------------------

    def root_source(
        self, lesson_probe: LessonProbe | None, last_event_id: object = None, family_students: Sequence[str] = ()
    ) -> Any:
        """What `GatewayPipeline.subscribe` runs the root fetch with: the Strawberry schema's subscription.
        `last_event_id` (a reconnecting client's `extensions.lastEventId`) replays what it missed, if this hub
        issued that id within its replay window; each result carries its own id as `eventId`."""

        async def source(node: FetchNode, variables: dict[str, Any]) -> AsyncIterator[dict[str, Any]] | dict[str, Any]:
            context: dict[str, Any] = {
                "hub": self.hub,
                "lesson_probe": lesson_probe,
                "after": self.hub.parse_event_id(last_event_id),
                "family_students": tuple(family_students),
            }
            result = await self.schema.subscribe(node.operation_text, variable_values=variables, context_value=context)
            if not hasattr(result, "__aiter__"):
                errors = getattr(result, "errors", None) or []
                return {"errors": [_masked(e) for e in errors]}

            async def events() -> AsyncIterator[dict[str, Any]]:
                async for item in result:
                    event = {"data": item.data, "errors": [_masked(e) for e in item.errors or ()]}
                    if context.get("event_id"):
                        event["eventId"] = context["event_id"]
                    yield event

            return events()

        return source


def _ids(items: Any) -> tuple[str, ...]:
    return tuple(str(item["id"]) for item in items or () if isinstance(item, dict) and item.get("id"))


def _forbidden(kind: str) -> dict[str, Any]:
    return _error(f"You may not subscribe to this {kind}'s events.", "FORBIDDEN")


def _masked(error: Any) -> dict[str, Any]:
    log.warning("subscription root error: %s", error)
    return {"message": "The subscription failed.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


def _root_field(operation: OperationDefinitionNode, fragments: Mapping[str, Any]) -> FieldNode | None:
    def first(selection_set: SelectionSetNode) -> FieldNode | None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    return selection
            elif isinstance(selection, InlineFragmentNode):
                found = first(selection.selection_set)
                if found is not None:
                    return found
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
                found = first(fragments[selection.name.value].selection_set)
                if found is not None:
                    return found
        return None

    return first(operation.selection_set)


def _argument(field: FieldNode, name: str, variables: Mapping[str, Any]) -> str | None:
    for argument in field.arguments or ():
        if argument.name.value != name:
            continue
        if isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
            return str(value) if value is not None else None
        if isinstance(argument.value, StringValueNode):
            return argument.value.value
        return getattr(argument.value, "value", None)
    return None
