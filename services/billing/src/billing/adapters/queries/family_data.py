"""Read models: what a family's pages read of billing — students (for the access checks), accounts, subscriptions
— in ONE statement whatever of them a request step asks for (the loaders' shared batch, schema/loaders.py).

Three selects in a UNION ALL over one wide row: ``k`` says which table a row is from, the other table's columns
are NULL. One round trip instead of three: on the cabinet's home a statement's fixed cost (SQLAlchemy's execute
layers, asyncpg's bind and a socket round trip, PostgreSQL's executor start) outweighs these few rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, Row, bindparam, cast, literal_column, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from billing.adapters.repositories.accounts import _account
from billing.adapters.repositories.subscriptions import _subscription
from billing.adapters.tables import accounts, students, subscriptions
from billing.domain.records import Student
from billing.service.read_models import FamilyData
from kabinet.db.any_of import any_of

_STUDENT, _ACCOUNT, _SUBSCRIPTION = 0, 1, 2
# The wide row: a subscription's columns (the widest), plus what only students and accounts have.
_COLUMNS = {
    **{c.name: c.type for c in subscriptions.columns},
    "erased": students.c.erased.type, "balance": accounts.c.balance.type, "opened_at": accounts.c.opened_at.type,
    "credit_limit": accounts.c.credit_limit.type,
}


def _row(k: int, **given: Any) -> Any:
    # Every branch types its NULLs: PostgreSQL resolves a union's column types branch by branch (two untyped
    # NULLs are text), and SQLAlchemy's result processing (SQLite's Amount: integer cents) takes each column's
    # type from the first select.
    return select(literal_column(str(k), Integer).label("k"), *(
        (given[name] if name in given else cast(null(), tp)).label(name) for name, tp in _COLUMNS.items()))


def _family_data() -> Any:
    st, a, s = students, accounts, subscriptions
    return union_all(
        _row(_STUDENT, id=st.c.id, family_id=st.c.family_id, branch_id=st.c.branch_id, name=st.c.display_name,
             erased=st.c.erased).where(any_of(st.c.id, bindparam("student_ids"))),
        _row(_ACCOUNT, **{c.name: c for c in a.columns}).where(any_of(a.c.family_id, bindparam("account_fids"))),
        _row(_SUBSCRIPTION, **{c.name: c for c in s.columns}).where(or_(
            any_of(s.c.student_id, bindparam("sub_sids")), any_of(s.c.family_id, bindparam("sub_fids")))),
    ).order_by(literal_column("k"), literal_column("sold_at"))


# Built once (kabinet.db.any_of): building this union and its cache key per call would cost more than running it.
_FAMILY_DATA = _family_data()


def _student(r: Row[Any]) -> Student:
    return Student(r.id, r.family_id, r.branch_id, r.name, r.erased)


async def family_data(session: AsyncSession, student_ids: Sequence[str], account_family_ids: Sequence[str],
                      subscription_student_ids: Sequence[str], subscription_family_ids: Sequence[str]) -> FamilyData:
    """Students by id, accounts by family, subscriptions by student and by family (oldest sale first); every
    id asked for subscriptions has a list, empty when it has none."""
    out = FamilyData(students={}, accounts={}, subscriptions_of_students={i: [] for i in subscription_student_ids},
                     subscriptions_of_families={i: [] for i in subscription_family_ids})
    rows = (await session.execute(_FAMILY_DATA, {
        "student_ids": list(student_ids), "account_fids": list(account_family_ids),
        "sub_sids": list(subscription_student_ids), "sub_fids": list(subscription_family_ids)})).all()
    for r in rows:
        if r.k == _SUBSCRIPTION:
            sub = _subscription(r)
            if r.student_id in out.subscriptions_of_students:
                out.subscriptions_of_students[r.student_id].append(sub)
            if r.family_id in out.subscriptions_of_families:
                out.subscriptions_of_families[r.family_id].append(sub)
        elif r.k == _ACCOUNT:
            out.accounts[r.family_id] = _account(r)
        else:
            out.students[r.id] = _student(r)
    return out
