"""Notifications in the family cabinet: the signed-in guardian's own list and preferences (docs/notifications.md)."""

from __future__ import annotations

import datetime as dt

import strawberry

from identity.domain.notifications import Kind
from identity.domain.notifications import Notification as NotificationModel
from identity.domain.notifications import Preferences as PreferencesModel
from identity.schema.common import Ctx, in_uow, run
from identity.schema.errors import UserError
from identity.schema.queries import _cursor, _decode_cursor  # the same keyset cursor as families'
from identity.service import notify_cabinet
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.errors import InvalidInput
from kabinet.graphql.schema import NEVER_KEPT

# The domain's kinds are the GraphQL enum as they are (one list: a new kind is in the schema at once).
NotificationKind = strawberry.enum(Kind, name="NotificationKind", description="What a notification is about.")


def _clock(value: str | None, field: str) -> dt.time | None:
    if value is None:
        return None
    try:
        t = dt.time.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("A time of day as HH:MM.", field=field) from exc
    return t.replace(second=0, microsecond=0)


@strawberry.type(description="A message to the signed-in guardian in the cabinet.")
class Notification:
    id: strawberry.ID
    kind: Kind
    subject: str
    text: str
    created_at: dt.datetime
    read: bool

    @classmethod
    def from_model(cls, n: NotificationModel) -> Notification:
        return cls(id=strawberry.ID(n.id), kind=n.kind, subject=n.subject, text=n.text,
                   created_at=n.created_at, read=n.read_at is not None)


@strawberry.type(description="A page of the guardian's notifications, newest first.")
class NotificationPage:
    items: list[Notification]
    unread_count: int
    next_cursor: str | None = strawberry.field(description="Pass as `after` for the next page; null at the end.")


@strawberry.type(description="Which kinds the guardian is told on each channel, in which language, and the quiet "
                             "hours (the branch's local time) when email and SMS wait.")
class NotificationPreferences:
    language: str | None = strawberry.field(description="ru | en; null: the school's default.")
    cabinet: list[Kind]
    email: list[Kind] = strawberry.field(
        description="Sent only to a confirmed email.")
    sms: list[Kind] = strawberry.field(
        description="Off by default (SMS cost money); capped like every SMS.")
    quiet_from: str | None
    quiet_to: str | None

    @classmethod
    def from_model(cls, p: PreferencesModel) -> NotificationPreferences:
        def kinds(ks: frozenset[Kind]) -> list[Kind]:
            return sorted(ks)

        return cls(language=p.language, cabinet=kinds(p.cabinet), email=kinds(p.email), sms=kinds(p.sms),
                   quiet_from=p.quiet_from.strftime("%H:%M") if p.quiet_from else None,
                   quiet_to=p.quiet_to.strftime("%H:%M") if p.quiet_to else None)


@strawberry.input
class NotificationPreferencesInput:
    language: str | None = None
    cabinet: list[Kind]
    email: list[Kind]
    sms: list[Kind]
    quiet_from: str | None = strawberry.field(default=None, description="HH:MM, with quietTo; null: none.")
    quiet_to: str | None = None


@strawberry.type
class NotificationPreferencesPayload:
    preferences: NotificationPreferences | None
    errors: list[UserError]


@strawberry.type
class MarkNotificationsReadPayload:
    unread_count: int | None
    errors: list[UserError]


@strawberry.type
class NotificationQueries:
    # Changed by most events about the family, which identity's notification routes do not announce (so those
    # events leave the family's other identity answers cached): never kept by the gateway.
    @strawberry.field(description="The signed-in guardian's notifications, newest first (guardians only).",
                      directives=[NEVER_KEPT])
    async def my_notifications(self, info: Ctx, first: int = 20, after: str | None = None) -> NotificationPage:
        principal = info.context.principal
        before = _decode_cursor(after) if after else None
        page = await in_uow(info, lambda uow: notify_cabinet.my_notifications(uow, principal, first, before))
        last = page.items[-1] if page.has_more else None
        return NotificationPage(items=[Notification.from_model(n) for n in page.items], unread_count=page.unread,
                                next_cursor=_cursor(last.created_at, last.id) if last else None)

    @strawberry.field(description="The signed-in guardian's notification preferences (guardians only).")
    async def notification_preferences(self, info: Ctx) -> NotificationPreferences:
        principal = info.context.principal
        got = await in_uow(info, lambda uow: notify_cabinet.preferences(uow, principal))
        return NotificationPreferences.from_model(got)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark the signed-in guardian's notifications read (all when ids is null).")
    async def mark_notifications_read(self, info: Ctx,
                                      ids: list[strawberry.ID] | None = None) -> MarkNotificationsReadPayload:
        cmd = notify_cabinet.MarkRead(None if ids is None else [str(i) for i in ids])
        unread, errors = await run(info, notify_cabinet.mark_read, cmd)
        return MarkNotificationsReadPayload(unread_count=unread, errors=errors)

    @strawberry.mutation(description="Set the signed-in guardian's notification preferences.")
    async def set_notification_preferences(self, info: Ctx, input: NotificationPreferencesInput
                                           ) -> NotificationPreferencesPayload:
        async def use_case(cmd: NotificationPreferencesInput, uow: IdentityUnitOfWork,
                           principal: Principal) -> PreferencesModel:
            return await notify_cabinet.set_preferences(notify_cabinet.SetPreferences(
                cmd.language, frozenset(cmd.cabinet), frozenset(cmd.email), frozenset(cmd.sms),
                _clock(cmd.quiet_from, "quietFrom"), _clock(cmd.quiet_to, "quietTo")), uow, principal)

        got, errors = await run(info, use_case, input)
        return NotificationPreferencesPayload(
            preferences=NotificationPreferences.from_model(got) if got else None, errors=errors)
