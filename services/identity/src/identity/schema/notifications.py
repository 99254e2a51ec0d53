"""Notifications in the cabinets: the signed-in guardian's or staff member's own list and preferences, and their
Telegram link and web push (docs/notifications.md)."""

from __future__ import annotations

import datetime as dt

import strawberry

from identity.domain.notifications import Kind
from identity.domain.notifications import Notification as NotificationModel
from identity.domain.notifications import Preferences as PreferencesModel
from identity.schema.common import Ctx, in_uow, ports, run
from identity.schema.errors import UserError
from identity.service import messenger, notify_cabinet, web_push
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal
from kabinet.cursors import keyset_cursor, parse_keyset_cursor  # the same keyset cursor as families'
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


@strawberry.type(description="A message to the signed-in person in the cabinet.")
class Notification:
    id: strawberry.ID
    kind: Kind
    subject: str
    text: str
    created_at: dt.datetime
    read: bool
    student_ids: list[strawberry.ID] = strawberry.field(
        description="The students of the person's own family it is about (a family's notices only; staff notices "
                    "name none). Empty for a family-wide one (a payment) and for notifications recorded before "
                    "they named their subject (read the text then).")
    lesson_id: strawberry.ID | None = strawberry.field(
        description="The lesson it is about (lessons scheduled, moved, cancelled or charged, a grade, homework).")
    lead_id: strawberry.ID | None = strawberry.field(
        description="The new lead it is about (LEAD_CREATED, to staff who may read leads: a branch's admins).")
    question_id: strawberry.ID | None = strawberry.field(
        description="The question it is about: the family's answered one (QUESTION_ANSWERED), or the one asked of "
                    "the branch's admins (QUESTION_ASKED).")

    @classmethod
    def from_model(cls, n: NotificationModel) -> Notification:
        about = n.about

        def optional(value: str | None) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(value)

        return cls(id=strawberry.ID(n.id), kind=n.kind, subject=n.subject, text=n.text,
                   created_at=n.created_at, read=n.read_at is not None,
                   student_ids=[strawberry.ID(s) for s in about.student_ids], lesson_id=optional(about.lesson_id),
                   lead_id=optional(about.lead_id), question_id=optional(about.question_id))


@strawberry.type(description="A page of the person's notifications, newest first.")
class NotificationPage:
    items: list[Notification]
    unread_count: int
    next_cursor: str | None = strawberry.field(description="Pass as `after` for the next page; null at the end.")


@strawberry.type(description="Which kinds the person is told on each channel, in which language, and the quiet "
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
    telegram: list[Kind] = strawberry.field(
        description="Sent only to a linked Telegram chat (linkMessenger), when the school has a bot.")

    @strawberry.field(description="Whether the signed-in person has linked a Telegram chat.")
    async def telegram_linked(self, info: Ctx) -> bool:
        person_id = notify_cabinet.own_recipient(info.context.principal)
        return await in_uow(info, lambda uow: messenger.linked(uow, person_id))

    @strawberry.field(description="Whether the school has set up a Telegram bot: without one, linkMessenger is "
                                  "MESSENGER_NOT_CONFIGURED and nothing is sent to Telegram.")
    def telegram_available(self, info: Ctx) -> bool:
        return messenger.available(ports(info))  # configuration only: no transaction

    web_push: list[Kind] = strawberry.field(
        description="Sent to every browser the person subscribed (registerWebPush), when the school has VAPID keys.")

    @strawberry.field(description="How many browsers the signed-in person has subscribed to web push.")
    async def web_push_subscriptions(self, info: Ctx) -> int:
        person_id = notify_cabinet.own_recipient(info.context.principal)
        return await in_uow(info, lambda uow: web_push.subscribed(uow, person_id))

    @strawberry.field(description="Whether the school has set up web push: without it, registerWebPush is "
                                  "WEB_PUSH_NOT_CONFIGURED and nothing is sent to browsers.")
    def web_push_available(self, info: Ctx) -> bool:
        return web_push.available(ports(info))

    @strawberry.field(description="The VAPID public key browsers subscribe with (PushManager's "
                                  "applicationServerKey, base64url); null when web push is not set up.")
    def web_push_public_key(self, info: Ctx) -> str | None:
        return web_push.public_key(ports(info))

    @classmethod
    def from_model(cls, p: PreferencesModel) -> NotificationPreferences:
        def kinds(ks: frozenset[Kind]) -> list[Kind]:
            return sorted(ks)

        return cls(language=p.language, cabinet=kinds(p.cabinet), email=kinds(p.email), sms=kinds(p.sms),
                   quiet_from=p.quiet_from.strftime("%H:%M") if p.quiet_from else None,
                   quiet_to=p.quiet_to.strftime("%H:%M") if p.quiet_to else None, telegram=kinds(p.telegram),
                   web_push=kinds(p.web_push))


@strawberry.input
class NotificationPreferencesInput:
    language: str | None = None
    cabinet: list[Kind]
    email: list[Kind]
    sms: list[Kind]
    quiet_from: str | None = strawberry.field(default=None, description="HH:MM, with quietTo; null: none.")
    quiet_to: str | None = None
    telegram: list[Kind] | None = strawberry.field(default=None, description="null: unchanged.")
    web_push: list[Kind] | None = strawberry.field(default=None, description="null: unchanged.")


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
    @strawberry.field(description="The signed-in guardian's or staff member's notifications, newest first.",
                      directives=[NEVER_KEPT])
    async def my_notifications(self, info: Ctx, first: int = 20, after: str | None = None) -> NotificationPage:
        principal = info.context.principal
        before = parse_keyset_cursor(after) if after else None
        page = await in_uow(info, lambda uow: notify_cabinet.my_notifications(uow, principal, first, before))
        last = page.items[-1] if page.has_more else None
        return NotificationPage(items=[Notification.from_model(n) for n in page.items], unread_count=page.unread,
                                next_cursor=keyset_cursor(last.created_at, last.id) if last else None)

    @strawberry.field(description="The signed-in guardian's or staff member's notification preferences.")
    async def notification_preferences(self, info: Ctx) -> NotificationPreferences:
        principal = info.context.principal
        got = await in_uow(info, lambda uow: notify_cabinet.preferences(uow, principal))
        return NotificationPreferences.from_model(got)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark the signed-in person's notifications read (all when ids is null).")
    async def mark_notifications_read(self, info: Ctx,
                                      ids: list[strawberry.ID] | None = None) -> MarkNotificationsReadPayload:
        cmd = notify_cabinet.MarkRead(None if ids is None else [str(i) for i in ids])
        unread, errors = await run(info, notify_cabinet.mark_read, cmd)
        return MarkNotificationsReadPayload(unread_count=unread, errors=errors)

    @strawberry.mutation(description="Set the signed-in person's notification preferences.")
    async def set_notification_preferences(self, info: Ctx, input: NotificationPreferencesInput
                                           ) -> NotificationPreferencesPayload:
        async def use_case(cmd: NotificationPreferencesInput, uow: IdentityUnitOfWork,
                           principal: Principal) -> PreferencesModel:
            return await notify_cabinet.set_preferences(notify_cabinet.SetPreferences(
                cmd.language, frozenset(cmd.cabinet), frozenset(cmd.email), frozenset(cmd.sms),
                _clock(cmd.quiet_from, "quietFrom"), _clock(cmd.quiet_to, "quietTo"),
                None if cmd.telegram is None else frozenset(cmd.telegram),
                None if cmd.web_push is None else frozenset(cmd.web_push)), uow, principal)

        got, errors = await run(info, use_case, input)
        return NotificationPreferencesPayload(
            preferences=NotificationPreferences.from_model(got) if got else None, errors=errors)


@strawberry.type(description="A one-time code that links a Telegram chat: open `link` (or send `/start <code>` to "
                             "the school's bot) before `expiresAt`.")
class MessengerLink:
    code: str
    link: str | None = strawberry.field(description="The bot's t.me deep link; null when its name is not set.")
    expires_at: dt.datetime


@strawberry.type
class LinkMessengerPayload:
    link: MessengerLink | None
    errors: list[UserError]


@strawberry.type
class UnlinkMessengerPayload:
    linked: bool | None
    errors: list[UserError]


@strawberry.type
class MessengerMutations:
    @strawberry.mutation(description="A one-time code to link the signed-in person's Telegram chat "
                                     "(MESSENGER_NOT_CONFIGURED when the school has no bot).")
    async def link_messenger(self, info: Ctx) -> LinkMessengerPayload:
        async def use_case(_: None, uow: IdentityUnitOfWork, principal: Principal) -> messenger.MessengerLink:
            return await messenger.link_messenger(uow, principal)

        got, errors = await run(info, use_case, None)
        return LinkMessengerPayload(
            link=MessengerLink(code=got.code, link=got.link, expires_at=got.expires_at) if got else None,
            errors=errors)

    @strawberry.mutation(description="Unlink the signed-in person's Telegram chat: nothing new goes there.")
    async def unlink_messenger(self, info: Ctx) -> UnlinkMessengerPayload:
        async def use_case(_: None, uow: IdentityUnitOfWork, principal: Principal) -> bool:
            await messenger.unlink_messenger(uow, principal)
            return False

        got, errors = await run(info, use_case, None)
        return UnlinkMessengerPayload(linked=got, errors=errors)
