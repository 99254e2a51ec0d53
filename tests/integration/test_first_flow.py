"""The first cross-service flow on real PostgreSQL + RabbitMQ: a registered student opens the family account."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import func, select

from billing.adapters.tables import accounts
from billing.bootstrap import build_runtime as billing_runtime
from billing.bootstrap import create_app as billing_app
from billing.settings import BillingSettings
from identity.bootstrap import build_runtime as identity_runtime
from identity.bootstrap import create_app as identity_app
from identity.keys import own_key_source
from identity.settings import IdentitySettings
from kabinet.auth import Principal, Role, SigningKey
from kabinet.testing.stack import GraphQLClient, eventually, running, token_for

B1 = "00000000-0000-4000-8000-0000000000b1"

REGISTER = """
mutation($input: RegisterStudentInput!) {
  registerStudent(input: $input) { student { id familyId firstName } errors { field code message } }
}"""


async def test_registered_student_opens_family_account_once(database_factory: Any, messaging: Any, tmp_path: Any):
    key = SigningKey.generate()
    ident = identity_runtime(IdentitySettings(database_url=await database_factory("identity"), messaging=messaging,
                                              jwt_private_key=key.to_pem(), data_dir=tmp_path))
    bill = billing_runtime(BillingSettings(database_url=await database_factory("billing"), messaging=messaging,
                                           payment_webhook_secret=secrets.token_urlsafe(32)),
                           key_source=own_key_source(key))
    admin = token_for(key, Principal(user_id="u-admin", role=Role.BRANCH_ADMIN, branch_ids=frozenset({B1})))
    async with running(ident, bill):
        client = GraphQLClient(identity_app(runtime=ident, manage_runtime=False), admin)
        variables = {"input": {"guardianPhone": "8 (912) 345-67-89", "firstName": "Anna", "lastName": "Petrova",
                               "birthDate": "2015-03-01", "branchId": B1}}
        first = await client.execute(REGISTER, variables)
        assert "data" in first and first["data"]["registerStudent"]["errors"] == [], first
        variables["input"]["firstName"] = "Boris"
        second = await client.execute(REGISTER, variables)
        family_id = first["data"]["registerStudent"]["student"]["familyId"]
        assert second["data"]["registerStudent"]["student"]["familyId"] == family_id

        async def account_opened() -> bool:
            async with bill.sessionmaker() as s:
                return bool((await s.execute(select(func.count()).select_from(accounts))).scalar_one() == 1)

        await eventually(account_opened)
        guardian = token_for(key, Principal(user_id="g", role=Role.GUARDIAN, family_id=family_id))
        bclient = GraphQLClient(billing_app(runtime=bill, manage_runtime=False), guardian)
        got = await bclient.execute("{ myAccount { balance { amount currency } } }")
        assert got["data"]["myAccount"]["balance"] == {"amount": "0.00", "currency": "RUB"}

        bad = await client.execute(REGISTER, {"input": {**variables["input"], "guardianPhone": "12"}})
        assert bad["data"]["registerStudent"]["errors"][0]["code"] == "INVALID_PHONE"
