"""The random differential test (see test_federation_random.py) over the parity corpus's subgraphs (conftest.py:
accounts, products, inventory, reviews, social, media, ratings): random valid queries to `@apollo/gateway` and
ours, the same status, data and error paths (or, where Apollo gets an operation with `@skip`/`@include` wrong,
ours equal to its answer to the same operation with the conditions applied)."""

from __future__ import annotations

from gateway.composition.compose import compose
from gateway.testing.random_operations import OperationGenerator

from .conftest import SCHEMAS
from .test_apollo_parity import gateways  # noqa: F401 - the parity test's servers, started once here too
from .test_federation_random import COUNT, SEED, compare

IDS = ["1", "2", "404", "r1", "r2", "b1", "m1", "a", "e", "ada", "grace"]


def test_random_operations_match_apollo_on_the_parity_subgraphs(gateways: dict[str, str]) -> None:  # noqa: F811
    sdls = {
        name: schema.execute_sync("{ _service { sdl } }").data["_service"]["sdl"] for name, schema in SCHEMAS.items()
    }
    schema = compose(sdls).api_schema
    operations = OperationGenerator(schema, strings=IDS).operations(seed=SEED, count=COUNT * 3)
    assert len(operations) >= COUNT
    lost: list[str] = []
    for operation in operations:
        compare(gateways["ours"], gateways["apollo"], operation, lost)
    assert len(lost) <= len(operations) * 3 // 5, lost
