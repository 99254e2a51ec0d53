"""Scheduling's mutations: each returns the changed object and ``errors`` (domain errors, nothing changed).

Unauthenticated/forbidden callers get a GraphQL error with ``extensions.code`` instead. Retriable mutations take
an ``idempotencyKey``: a retry with the same key returns the first result and changes nothing more. One module
per area; ``Mutation`` puts them together (in this order: the printed schema keeps it).
"""

from __future__ import annotations

import strawberry

from scheduling.schema.mutations.bookings import BookingMutations
from scheduling.schema.mutations.catalogue import CatalogueMutations
from scheduling.schema.mutations.feeds import FeedMutations
from scheduling.schema.mutations.groups import GroupMutations
from scheduling.schema.mutations.lessons import LessonMutations
from scheduling.schema.mutations.month import MonthMutations


@strawberry.type
class Mutation(CatalogueMutations, GroupMutations, MonthMutations, LessonMutations, BookingMutations,
               FeedMutations):
    pass


__all__ = ["Mutation"]
