"""The runtime's scheduled subscription expiry runs by itself (no mutation called), at the configured interval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from billing.bootstrap import build_runtime
from billing.settings import BillingSettings
from kabinet.auth import KeySource, SigningKey, jwks
from kabinet.settings import MessagingSettings
from kabinet.testing.stack import eventually, running

from .conftest import WEBHOOK_SECRET, Harness

PLAN = """mutation($i: CreateSubscriptionPlanInput!) { createSubscriptionPlan(input: $i) {
  subscriptionPlan { id } errors { code } } }"""
SELL = """mutation($i: SellSubscriptionInput!) { sellSubscription(input: $i) { subscription { id status }
  errors { code } } }"""
SUBS = "query($s: ID!) { studentSubscriptions(studentId: $s) { id status lessonsLeft } }"


async def test_expiry_job_expires_past_validity_by_itself(billing_db: str, messaging: MessagingSettings,
                                                          signing_key: SigningKey, tmp_path: Path) -> None:
    settings = BillingSettings(database_url=billing_db, messaging=messaging, data_dir=tmp_path,
                               outbox_poll_interval_s=0.1, subscription_expiry_interval_s=0.2,
                               payment_webhook_secret=WEBHOOK_SECRET)
    runtime = build_runtime(settings, key_source=KeySource(static=jwks([signing_key])))
    async with running(runtime, migrate=False):
        billing = Harness(runtime, signing_key)
        fam = await billing.family()
        admin = billing.admin(fam.branch_id)
        plan = (await billing.ok(admin, PLAN, {"i": {"name": "4", "lessons": 4, "validityDays": 30, "price": "0",
                                                     "lessonTypes": ["group"], "branchId": fam.branch_id}})
                )["createSubscriptionPlan"]["subscriptionPlan"]["id"]
        today = datetime.now(UTC).date()
        old = (await billing.ok(admin, SELL, {"i": {"planId": plan, "studentId": fam.student_ids[0],
                                                    "startsOn": (today - timedelta(days=60)).isoformat()}})
               )["sellSubscription"]["subscription"]
        current = (await billing.ok(admin, SELL, {"i": {"planId": plan, "studentId": fam.student_ids[0]}})
                   )["sellSubscription"]["subscription"]
        assert old["status"] == current["status"] == "active"

        async def statuses() -> dict[str, str]:
            got = await billing.ok(billing.guardian(fam), SUBS, {"s": fam.student_ids[0]})
            return {s["id"]: s["status"] for s in got["studentSubscriptions"]}

        async def expired() -> bool:
            return (await statuses())[old["id"]] == "expired"

        await eventually(expired, timeout_s=10, message="the job expired the old subscription")
        assert (await statuses())[current["id"]] == "active"  # still within validity
        assert runtime.expiry_task is not None and not runtime.expiry_task.done()
    assert runtime.expiry_task is None  # stopped with the runtime


async def test_expiry_job_off_when_interval_is_zero(billing_db: str, messaging: MessagingSettings,
                                                    signing_key: SigningKey, tmp_path: Path) -> None:
    settings = BillingSettings(database_url=billing_db, messaging=messaging, data_dir=tmp_path,
                               subscription_expiry_interval_s=0)
    runtime = build_runtime(settings, key_source=KeySource(static=jwks([signing_key])))
    async with running(runtime, migrate=False):
        assert runtime.expiry_task is None
