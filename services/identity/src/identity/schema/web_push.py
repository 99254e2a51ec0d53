"""Web push in the API: the signed-in person subscribes or unsubscribes a browser (docs/notifications.md)."""

from __future__ import annotations

import strawberry

from identity.schema.common import Ctx, run
from identity.schema.errors import UserError
from identity.service import web_push
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal


@strawberry.type
class WebPushPayload:
    subscriptions: int | None = strawberry.field(description="How many browsers the person has subscribed now.")
    errors: list[UserError]


@strawberry.type
class WebPushMutations:
    @strawberry.mutation(description="Subscribe this browser to the signed-in person's web-push notices: what its "
                                     "PushManager.subscribe gave (endpoint https, keys base64url). "
                                     "WEB_PUSH_NOT_CONFIGURED, INVALID_PUSH_SUBSCRIPTION, "
                                     "TOO_MANY_PUSH_SUBSCRIPTIONS.")
    async def register_web_push(self, info: Ctx, endpoint: str, p256dh: str, auth: str) -> WebPushPayload:
        async def use_case(_: None, uow: IdentityUnitOfWork, principal: Principal) -> int:
            return await web_push.register(uow, principal, endpoint, p256dh, auth)

        got, errors = await run(info, use_case, None)
        return WebPushPayload(subscriptions=got, errors=errors)

    @strawberry.mutation(description="Unsubscribe this browser (its endpoint) from the signed-in person's notices.")
    async def unregister_web_push(self, info: Ctx, endpoint: str) -> WebPushPayload:
        async def use_case(_: None, uow: IdentityUnitOfWork, principal: Principal) -> int:
            return await web_push.unregister(uow, principal, endpoint)

        got, errors = await run(info, use_case, None)
        return WebPushPayload(subscriptions=got, errors=errors)
