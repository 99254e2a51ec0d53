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


@dataclass(frozen=True)
class BillingLoaders:
    account_by_family: DataLoader[str, FamilyAccount | None]
    branches_by_family: DataLoader[str, set[str]]
    student_by_id: DataLoader[str, Student | None]
    subscriptions_by_student: DataLoader[str, list[Subscription]]
    subscriptions_by_family: DataLoader[str, list[Subscription]]
    payments_by_family: DataLoader[str, list[Payment]]
    invoices_by_family: DataLoader[str, list[Invoice]]

    @classmethod
    def of(cls, r: BillingReads) -> BillingLoaders:
        return cls(
            account_by_family=_loader(r.accounts_by_families, _none),
            branches_by_family=_loader(r.branches_by_families, set),
            student_by_id=_loader(r.students_by_ids, _none),
            subscriptions_by_student=_loader(r.subscriptions_by_students, list),
            subscriptions_by_family=_loader(r.subscriptions_by_families, list),
            payments_by_family=_loader(r.payments_by_families, list),
            invoices_by_family=_loader(r.invoices_by_families, list),
        )


def loaders(info: GInfo) -> BillingLoaders:
    """This request's loaders (made at the first use: they cache, so never shared across requests)."""
    found = info.context.loaders.get(_KEY)
    if not isinstance(found, BillingLoaders):
        found = info.context.loaders[_KEY] = BillingLoaders.of(reads(info))
    return found
