"""The request's DataLoaders, one typed attribute each (batched reads through the read models)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from billing.domain.model import FamilyAccount, Subscription
from billing.domain.records import Invoice, Payment, Student
from billing.schema.context import GInfo, reads
from billing.service.read_models import BillingReads

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


class SubscriptionLoader:
    """Subscriptions of students and of families, batched together: one statement per request step for both
    (a child's profile shows the child's and the family's)."""

    def __init__(self, fetch: Callable[[Sequence[str], Sequence[str]], Awaitable[
            tuple[Mapping[str, list[Subscription]], Mapping[str, list[Subscription]]]]]) -> None:
        async def load(keys: Sequence[tuple[str, str]]) -> list[list[Subscription]]:
            by_student, by_family = await fetch([i for kind, i in keys if kind == "student"],
                                                [i for kind, i in keys if kind == "family"])
            return [list((by_student if kind == "student" else by_family).get(i, [])) for kind, i in keys]

        self._loader: DataLoader[tuple[str, str], list[Subscription]] = DataLoader(load_fn=load)

    def of_student(self, student_id: str) -> Awaitable[list[Subscription]]:
        return self._loader.load(("student", student_id))

    def of_family(self, family_id: str) -> Awaitable[list[Subscription]]:
        return self._loader.load(("family", family_id))


@dataclass(frozen=True)
class BillingLoaders:
    account_by_family: DataLoader[str, FamilyAccount | None]
    branches_by_family: DataLoader[str, set[str]]
    student_by_id: DataLoader[str, Student | None]
    subscriptions: SubscriptionLoader
    payments_by_family: DataLoader[str, list[Payment]]
    invoices_by_family: DataLoader[str, list[Invoice]]

    @classmethod
    def of(cls, r: BillingReads) -> BillingLoaders:
        return cls(
            account_by_family=_loader(r.accounts_by_families, _none),
            branches_by_family=_loader(r.branches_by_families, set),
            student_by_id=_loader(r.students_by_ids, _none),
            subscriptions=SubscriptionLoader(r.subscriptions_of),
            payments_by_family=_loader(r.payments_by_families, list),
            invoices_by_family=_loader(r.invoices_by_families, list),
        )


def loaders(info: GInfo) -> BillingLoaders:
    """This request's loaders (made at the first use: they cache, so never shared across requests)."""
    found = info.context.loaders.get(_KEY)
    if not isinstance(found, BillingLoaders):
        found = info.context.loaders[_KEY] = BillingLoaders.of(reads(info))
    return found
