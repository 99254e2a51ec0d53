"""Each service's printed subgraph schema equals the committed services/<name>/schema.graphql.

After an intended API change run `make schema` and review the diff.
"""

from __future__ import annotations

import pytest

from kabinet_stack.schemas import printed, snapshot_path
from kabinet_stack.services import SERVICE_NAMES


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_printed_schema_is_committed(name: str) -> None:
    path = snapshot_path(name)
    assert path.exists(), f"{path} is missing: run `make schema`"
    assert printed(name) == path.read_text(), f"{name}'s schema changed: run `make schema` and review the diff"
