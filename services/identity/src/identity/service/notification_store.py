"""What notifications need of storage (a Protocol; the SQL one is identity.adapters.repositories.notifications)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from identity.domain.notifications import Channel, Notification, Preferences


class NotificationRepository(Protocol):
    async def add(self, rows: Sequence[Notification]) -> int:
        """Insert, skipping any whose (event, guardian, channel) is already recorded; how many were new."""
        ...

    async def preferences(self, guardian_ids: Sequence[str]) -> dict[str, Preferences]:
        """Every guardian given has one (the defaults when they chose nothing)."""
        ...

    async def save_preferences(self, p: Preferences, now: datetime) -> None: ...

    async def remember_lesson(self, lesson_id: str, student_ids: Sequence[str], branch_id: str | None,
                              starts_at: datetime | None, ends_at: datetime | None) -> None: ...
    async def move_lesson(self, lesson_id: str, starts_at: datetime, ends_at: datetime) -> None: ...
    async def forget_student(self, lesson_id: str, student_id: str) -> None: ...
    async def lesson_students(self, lesson_id: str) -> tuple[list[str], datetime | None]:
        """The lesson's students (in key order) and its start, as scheduling's events told."""
        ...

    async def of_guardian(self, guardian_id: str, channel: Channel, before: tuple[datetime, str] | None,
                          limit: int) -> list[Notification]:
        """Newest first, a page after the keyset position ``before`` (created_at, id)."""
        ...

    async def unread(self, guardian_id: str, channel: Channel) -> int: ...
    async def mark_read(self, guardian_id: str, ids: Sequence[str] | None, now: datetime) -> int:
        """The guardian's own unread ones among ``ids`` (all when None) read; how many changed."""
        ...

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[Notification]:
        """Pending ones due by ``now``, taken for ``lease``: their try counted and their next try moved past the
        lease, so another sender skips them, and a sender that died leaves them due again afterwards."""
        ...

    async def delete_old(self, before: datetime, limit: int) -> int:
        """At most ``limit`` of the oldest notifications done with before ``before`` deleted: in the cabinet, read
        before it; by email or SMS, sent before it. Pending, refused (not sent) and unread ones are kept. How
        many were deleted."""
        ...

    async def forget_lessons_ended(self, before: datetime, limit: int) -> int:
        """At most ``limit`` of the remembered (lesson, student) rows of lessons that ended before ``before``
        deleted, those that ended first first; lessons with no known end are kept. How many were deleted."""
        ...

    async def save_delivery(self, n: Notification) -> bool:
        """Status, tries, next try, sent time and reason, only if no other sender took it since (same tries)."""
        ...
