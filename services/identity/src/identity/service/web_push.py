"""Web push (R-NTF-1): a person's browsers subscribed, and a notice sent to each of them.

``registerWebPush`` stores the subscription the browser's PushManager made (with the school's VAPID public key) for
the signed-in person; each web-push notification is then encrypted to every browser they subscribed and handed to
its push service (adapters.web_push). One the push service calls gone (404/410) is deleted and not tried again.
Nothing here exists unless the VAPID key is configured (docs/notifications.md).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence

from identity.domain.errors import TooManyPushSubscriptions, WebPushNotConfigured
from identity.domain.notifications import Notification
from identity.domain.web_push import PushSubscription
from identity.service.notify_cabinet import own_recipient
from identity.service.ports import DeliveryFailed, IdentityPorts, Undeliverable
from identity.service.unit_of_work import IdentityUnitOfWork
from kabinet.auth.principal import Principal

UowFactory = Callable[[], contextlib.AbstractAsyncContextManager[IdentityUnitOfWork]]
WEB_PUSH_ADDRESS = "browsers"  # a web-push row's address: its browsers are the person's subscriptions when sent
OPEN_PATH = "/notifications"  # the cabinet's list, where the notice opens what it is about


def available(ports: IdentityPorts) -> bool:
    return ports.web_push is not None and ports.settings.webpush_configured()


def public_key(ports: IdentityPorts) -> str | None:
    return ports.web_push.public_key if ports.web_push is not None and available(ports) else None


async def register(uow: IdentityUnitOfWork, principal: Principal, endpoint: str, p256dh: str, auth: str) -> int:
    """The signed-in person's browser subscribed; how many browsers they have now."""
    person_id = own_recipient(principal)
    if not available(uow.ports):
        raise WebPushNotConfigured()
    settings = uow.ports.settings
    sub = PushSubscription.parse(endpoint, p256dh, auth, allow_http=settings.webpush_allow_http)
    if await uow.web_push.owner(sub.endpoint) != person_id and \
            await uow.web_push.count(person_id) >= settings.webpush_max_subscriptions:
        raise TooManyPushSubscriptions(field="endpoint")
    await uow.web_push.add(person_id, sub, uow.ports.now())
    await uow.commit()
    return await uow.web_push.count(person_id)


async def unregister(uow: IdentityUnitOfWork, principal: Principal, endpoint: str) -> int:
    """The signed-in person's browser unsubscribed (another person's endpoint changes nothing); how many are left."""
    person_id = own_recipient(principal)
    await uow.web_push.remove(endpoint.strip(), person_id)
    await uow.commit()
    return await uow.web_push.count(person_id)


async def subscribed(uow: IdentityUnitOfWork, person_id: str) -> int:
    return await uow.web_push.count(person_id)


async def people_with(uow: IdentityUnitOfWork, person_ids: Sequence[str]) -> set[str]:
    """Who of these has a browser subscribed; nobody while web push is not configured (nothing recorded for it)."""
    if not person_ids or not available(uow.ports):
        return set()
    return await uow.web_push.people_with(person_ids)


def payload(n: Notification) -> bytes:
    """What the service worker shows: the title, the text and where a click opens (within a push service's 4 KB
    once encrypted: the text is a notice's, a few hundred characters at most)."""
    body = {"id": n.id, "kind": n.kind.value, "title": n.subject, "body": n.text[:1500], "path": OPEN_PATH}
    return json.dumps(body, ensure_ascii=False).encode()


async def send(unit_of_work: UowFactory, ports: IdentityPorts, n: Notification) -> None:
    """To each browser the person subscribed: sent when at least one took it (the person was told; a retry would
    tell the others twice). Gone ones are deleted. Raises DeliveryFailed when none took it but one may later,
    Undeliverable when there is no browser left."""
    if ports.web_push is None:  # unconfigured after this was recorded: waits for it, as an outage
        raise DeliveryFailed("web push is not configured (IDENTITY_WEBPUSH_VAPID_PRIVATE_KEY)")
    async with unit_of_work() as uow:
        subs = await uow.web_push.of_person(n.guardian_id)
    data, delivered, failed, gone = payload(n), 0, None, []
    for sub in subs:
        try:
            await ports.web_push.send(sub, data)
            delivered += 1
        except Undeliverable:
            gone.append(sub.endpoint)
        except DeliveryFailed as exc:
            failed = exc
    if gone:
        async with unit_of_work() as uow:
            for endpoint in gone:
                await uow.web_push.remove(endpoint, n.guardian_id)
            await uow.commit()
    if delivered:
        return
    if failed is not None:
        raise failed
    raise Undeliverable(f"no browser subscribed ({len(gone)} gone)")
