"""The request's DataLoaders, one typed attribute each (batched reads through the read models)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from strawberry.dataloader import DataLoader

from billing.domain.model import FamilyAccount, Subscription
from billing.domain.records import Invoice, Payment, Student
from billing.schema.context import GInfo, reads
from billing.service.read_models import BillingReads, FamilyData

V = TypeVar("V")
_KEY = "billing"  # the one entry billing keeps in the kit's per-request loader dict


def _loader(fetch: Callable[[Sequence[str]], Awaitable[Mapping[str, V]]], missing: Callable[[], V]
            ) -> DataLoader[str, V]:
    async def load(keys: Sequence[str]) -> list[V]:
        found = await fetch(list(keys))
        return [found[k] if k in found else missing() for k in keys]

    return DataLoader(load_fn=load)


def _none() -> None:
    return None


_Key = tuple[str, str]  # (what, id): one of the kinds below and a student's or a family's id
_STUDENT, _ACCOUNT, _STUDENT_SUBS, _FAMILY_SUBS = "student", "account", "student_subs", "family_subs"


class FamilyDataLoader:
    """Students (the access checks), accounts and subscriptions, batched together: whatever of them a request
    step asks for comes in one statement (``BillingReads.family_data``) — a child's home reads the child, the
    family's account and both kinds of subscriptions."""

    def __init__(self, fetch: Callable[[Sequence[str], Sequence[str], Sequence[str], Sequence[str]],
                                       Awaitable[FamilyData]]) -> None:
        async def load(keys: Sequence[_Key]) -> list[object]:
            of: dict[str, list[str]] = {_STUDENT: [], _ACCOUNT: [], _STUDENT_SUBS: [], _FAMILY_SUBS: []}
            for kind, i in keys:
                of[kind].append(i)
            data = await fetch(of[_STUDENT], of[_ACCOUNT], of[_STUDENT_SUBS], of[_FAMILY_SUBS])
            found: dict[str, Mapping[str, object]] = {
                _STUDENT: data.students, _ACCOUNT: data.accounts, _STUDENT_SUBS: data.subscriptions_of_students,
                _FAMILY_SUBS: data.subscriptions_of_families}
            return [found[kind].get(i, [] if kind in (_STUDENT_SUBS, _FAMILY_SUBS) else None) for kind, i in keys]

        self._loader: DataLoader[_Key, object] = DataLoader(load_fn=load)

    def student(self, student_id: str) -> Awaitable[Student | None]:
        return cast("Awaitable[Student | None]", self._loader.load((_STUDENT, student_id)))

    def account(self, family_id: str) -> Awaitable[FamilyAccount | None]:
        return cast("Awaitable[FamilyAccount | None]", self._loader.load((_ACCOUNT, family_id)))

    def subscriptions_of_student(self, student_id: str) -> Awaitable[list[Subscription]]:
        return cast("Awaitable[list[Subscription]]", self._loader.load((_STUDENT_SUBS, student_id)))

    def subscriptions_of_family(self, family_id: str) -> Awaitable[list[Subscription]]:
        return cast("Awaitable[list[Subscription]]", self._loader.load((_FAMILY_SUBS, family_id)))


@dataclass(frozen=True)
class BillingLoaders:
    family_data: FamilyDataLoader
    branches_by_family: DataLoader[str, set[str]]
    payments_by_family: DataLoader[str, list[Payment]]
    invoices_by_family: DataLoader[str, list[Invoice]]

    @classmethod
    def of(cls, r: BillingReads) -> BillingLoaders:
        return cls(
            family_data=FamilyDataLoader(r.family_data),
            branches_by_family=_loader(r.branches_by_families, set),
            payments_by_family=_loader(r.payments_by_families, list),
            invoices_by_family=_loader(r.invoices_by_families, list),
        )


def loaders(info: GInfo) -> BillingLoaders:
    """This request's loaders (made at the first use: they cache, so never shared across requests)."""
    found = info.context.loaders.get(_KEY)
    if not isinstance(found, BillingLoaders):
        found = info.context.loaders[_KEY] = BillingLoaders.of(reads(info))
    return found
