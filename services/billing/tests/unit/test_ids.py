"""Billing's ids: random version-4 UUIDs as text, drawn from a pool that a forked child never shares."""

from __future__ import annotations

import os
import uuid

import pytest

from billing.domain.model import new_id


def test_ids_are_distinct_version_4_uuids_in_canonical_text() -> None:
    ids = [new_id() for _ in range(2000)]  # several refills of the pool
    assert len(set(ids)) == len(ids)
    for text in ids:
        u = uuid.UUID(text)
        assert (u.version, u.variant, str(u)) == (4, uuid.RFC_4122, text)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_never_reuses_its_parents_pooled_ids() -> None:
    new_id()  # the pool is filled now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, ",".join(new_id() for _ in range(10)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        child = set(f.read().split(","))
    os.waitpid(pid, 0)
    parent = {new_id() for _ in range(10)}
    assert len(child) == 10 and not child & parent
