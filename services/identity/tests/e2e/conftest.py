"""One whole system per e2e module: the four services on this run's PostgreSQL databases and this module's
RabbitMQ exchange, behind the real gateway, built exactly as ``kabinet_stack.testing.real_stack`` builds it.

Module scope, not per test: a stack costs ~5 s to start and stop, and identity's flows are independent
(each test makes its own branch, phones and emails), so sharing one keeps the identity suite well under
two minutes.
"""

from __future__ import annotations

import dataclasses

import pytest
from gateway_kit import Flow

from kabinet_stack.testing import StackHandle


@pytest.fixture(scope="module")
def gateway_stack(module_stack: StackHandle) -> StackHandle:
    deps = module_stack.runtime("identity").deps
    # Every test request reaches the gateway from the same in-process client address (which the gateway
    # forwards), so the per-address code cap would be shared by all the tests' phones; the cap itself is
    # tested in api/ and in tests/e2e/test_sign_in_through_gateway.py.
    deps.limits = dataclasses.replace(deps.limits, per_ip=100_000)
    return module_stack


@pytest.fixture
def flow(gateway_stack: StackHandle) -> Flow:
    return Flow(gateway_stack)
