"""Repositories: rows <-> domain objects, one module per aggregate; ``projections`` for identity's data."""

from scheduling.adapters.repositories.bookings import BookingRepository, SlotRepository
from scheduling.adapters.repositories.catalogue import CatalogueRepository
from scheduling.adapters.repositories.feeds import FeedRepository
from scheduling.adapters.repositories.groups import GroupRepository
from scheduling.adapters.repositories.lessons import LessonRepository
from scheduling.adapters.repositories.projections import ProjectionRepository
from scheduling.adapters.repositories.trials import TrialRepository
from scheduling.domain.model import StaffRef, StudentRef

__all__ = [
    "BookingRepository",
    "CatalogueRepository",
    "FeedRepository",
    "GroupRepository",
    "LessonRepository",
    "ProjectionRepository",
    "SlotRepository",
    "StaffRef",
    "StudentRef",
    "TrialRepository",
]
