"""Security limits of sign-in, each asserted: one-time codes, SMS caps, enumeration, JWTs, refresh rotation."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
from identity_testkit import (
    COMPLETE_REG,
    MY_FAMILY,
    REFRESH,
    REQUEST_CODE,
    REQUEST_REG_CODE,
    SIGN_IN_CODE,
    SIGN_IN_PASSWORD,
    Env,
    make_branch,
    make_family,
    new_phone,
)
from sqlalchemy import select

from identity.adapters.tables import one_time_codes
from kabinet.auth import Principal, Role, SigningKey
from kabinet.testing.stack import token_for
from kabinet.web.gateway_only import CLIENT_ADDRESS_HEADER


async def _self_registered(env: Env) -> tuple[str, dict[str, str]]:
    phone = new_phone()
    await env.ok(REQUEST_REG_CODE, {"p": phone})
    got = await env.ok(COMPLETE_REG, {"i": {"phone": phone, "code": env.last_code(phone), "firstName": "Sec",
                                            "lastName": "Test"}})
    return phone, got["completeRegistration"]["session"]


async def test_a_code_is_six_csprng_digits_stored_hashed_and_works_once(env: Env) -> None:
    phone, _ = await _self_registered(env)
    await env.ok(REQUEST_CODE, {"p": phone})
    code = env.last_code(phone)
    assert len(code) == 6 and code.isdigit()
    async with env.runtime.sessionmaker() as s:
        stored = (await s.execute(select(one_time_codes.c.code_hash).where(one_time_codes.c.phone == phone)
                                  .order_by(one_time_codes.c.created_at.desc()))).scalars().first()
    assert stored is not None and code not in stored and len(stored) == 64  # an HMAC-SHA256, never the code
    first = await env.gql(SIGN_IN_CODE, {"p": phone, "c": code})
    assert first["data"]["signInWithCode"]["errors"] == []
    second = await env.gql(SIGN_IN_CODE, {"p": phone, "c": code})
    assert second["data"]["signInWithCode"]["errors"][0]["code"] == "CODE_LOCKED"  # spent


async def test_a_code_expires_after_ten_minutes(env: Env, clock) -> None:  # type: ignore[no-untyped-def]
    phone, _ = await _self_registered(env)
    await env.ok(REQUEST_CODE, {"p": phone})
    clock(timedelta(minutes=10, seconds=1))
    got = await env.gql(SIGN_IN_CODE, {"p": phone, "c": env.last_code(phone)})
    assert got["data"]["signInWithCode"]["errors"][0]["code"] == "CODE_LOCKED"


async def test_five_wrong_tries_lock_the_code_even_through_aliases(env: Env) -> None:
    phone, _ = await _self_registered(env)
    await env.ok(REQUEST_CODE, {"p": phone})
    code = env.last_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    # Five wrong attempts in ONE request (aliases), then the right code in the same request: refused.
    aliased = "mutation {" + " ".join(
        f'a{i}: signInWithCode(phone: "{phone}", code: "{wrong}") {{ errors {{ code }} triesLeft }}' for i in range(5)
    ) + f' right: signInWithCode(phone: "{phone}", code: "{code}") {{ session {{ role }} errors {{ code }} }} }}'
    got = await env.gql(aliased)
    # Each wrong try says how many are left; the fifth locks the code.
    assert [(got["data"][f"a{i}"]["errors"][0]["code"], got["data"][f"a{i}"]["triesLeft"]) for i in range(5)] == \
        [("INVALID_CODE", 4), ("INVALID_CODE", 3), ("INVALID_CODE", 2), ("INVALID_CODE", 1), ("CODE_LOCKED", None)]
    assert got["data"]["right"]["session"] is None
    assert got["data"]["right"]["errors"][0]["code"] == "CODE_LOCKED"
    # Batching (a JSON list of operations) is not accepted, so it cannot multiply attempts either.
    resp = await env.anon._client.post("/graphql", json=[{"query": "{ me { role } }"}] * 2)
    assert resp.status_code == 400


async def test_at_most_three_codes_per_phone_per_ten_minutes_known_or_not(env: Env) -> None:
    known = (await make_family(env, await make_branch(env), kids=1))["phone"]  # staff-registered: no code yet
    unknown = new_phone()
    for phone in (known, unknown):
        answers = [await env.gql(REQUEST_CODE, {"p": phone}) for _ in range(4)]
        assert [a["data"]["requestSignInCode"]["ok"] for a in answers] == [True, True, True, False]
        assert answers[3]["data"]["requestSignInCode"]["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    assert env.messages_to(unknown) == 0  # an unknown number never gets an SMS


async def test_known_and_unknown_phones_and_logins_get_the_same_answers(env: Env) -> None:
    known, _ = await _self_registered(env)
    unknown = new_phone()
    a = await env.gql(REQUEST_CODE, {"p": known})
    b = await env.gql(REQUEST_CODE, {"p": unknown})
    assert a == b
    # Tries left and the lock read the same for both (an unknown phone has a never-sent code row).
    with_tries = SIGN_IN_CODE.replace("errors {", "triesLeft errors {")
    sa = [await env.gql(with_tries, {"p": known, "c": "000000"}) for _ in range(6)]
    sb = [await env.gql(with_tries, {"p": unknown, "c": "000000"}) for _ in range(6)]
    assert sa == sb
    assert [a["data"]["signInWithCode"]["triesLeft"] for a in sa] == [4, 3, 2, 1, None, None]
    assert sa[5]["data"]["signInWithCode"]["errors"][0]["code"] == "CODE_LOCKED"
    reset = ('mutation($l: String!, $c: ResetChannel!) { requestPasswordReset(login: $l, channel: $c) '
             '{ ok errors { code } } }')
    assert (await env.gql(reset, {"l": known, "c": "SMS"})) == (await env.gql(reset, {"l": unknown, "c": "SMS"}))
    assert (await env.gql(reset, {"l": "nobody@example.com", "c": "EMAIL"}))["data"]["requestPasswordReset"] == \
        {"ok": True, "errors": []}
    pa = await env.gql(SIGN_IN_PASSWORD, {"l": "nobody@example.com", "pw": "whatever-long"})
    pb = await env.gql(SIGN_IN_PASSWORD, {"l": known, "pw": "whatever-long"})
    assert pa["data"] == pb["data"]
    assert pa["data"]["signInWithPassword"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_per_ip_cap_foreign_numbers_and_the_global_daily_cap(env: Env, limits) -> None:  # type: ignore[no-untyped-def]
    limits(per_ip=2)
    # The client's address as the gateway forwards it counts; an X-Forwarded-For the client wrote does not.
    ip = {CLIENT_ADDRESS_HEADER: f"203.0.113.{int(time.time()) % 250}"}
    ok = [await env.anon.execute(REQUEST_CODE, {"p": new_phone()},
                                 headers={**ip, "X-Forwarded-For": f"198.51.100.{i}"}) for i in range(3)]
    assert [o["data"]["requestSignInCode"]["ok"] for o in ok] == [True, True, False]
    assert ok[2]["data"]["requestSignInCode"]["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    other_ip = await env.anon.execute(REQUEST_CODE, {"p": new_phone()}, headers={CLIENT_ADDRESS_HEADER: "198.51.100.7"})
    assert other_ip["data"]["requestSignInCode"]["ok"] is True
    limits()
    # A number outside the configured countries (here: Germany) gets no SMS.
    german = "+4915123456789"
    got = await env.gql(REQUEST_REG_CODE, {"p": german})
    assert got["data"]["requestRegistrationCode"]["errors"][0]["code"] == "SMS_NOT_AVAILABLE"
    assert env.messages_to(german) == 0
    # The global daily cap stops every SMS once reached.
    limits(global_daily=0)
    phone = new_phone()
    capped = await env.gql(REQUEST_REG_CODE, {"p": phone})
    assert capped["data"]["requestRegistrationCode"]["errors"][0]["code"] == "SMS_NOT_AVAILABLE"
    assert env.messages_to(phone) == 0


async def test_tokens_with_alg_none_wrong_alg_aud_iss_key_or_expired_are_rejected(env: Env) -> None:
    _phone, session = await _self_registered(env)
    assert (await env.gql(MY_FAMILY, who=session["accessToken"]))["_status"] == 200
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    kid = env.runtime.signing_key.kid
    forged = {
        "alg=none": jwt.encode(claims, None, algorithm="none", headers={"kid": kid}),
        "HS256 with the public key": jwt.encode(
            claims, str(env.runtime.signing_key.public_jwk()["x"]), algorithm="HS256", headers={"kid": kid}),
        "wrong aud": token_for(env.runtime.signing_key, Principal(user_id="x", role=Role.OWNER), audience="other"),
        "wrong iss": token_for(env.runtime.signing_key, Principal(user_id="x", role=Role.OWNER), issuer="evil"),
        "other key": token_for(SigningKey.generate(), Principal(user_id="x", role=Role.OWNER)),
        "expired": jwt.encode({**claims, "exp": int(time.time()) - 120, "iat": int(time.time()) - 1000},
                              env.runtime.signing_key.private_key, algorithm="EdDSA", headers={"kid": kid}),
    }
    for name, token in forged.items():
        got = await env.gql(MY_FAMILY, who=token)
        assert got["_status"] == 401 and got["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name
    # The service publishes only the public key.
    keys = (await env.anon.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["kid"] for k in keys] == [kid] and "d" not in keys[0]


async def test_refresh_tokens_rotate_and_reuse_revokes_the_whole_chain(env: Env) -> None:
    _, session = await _self_registered(env)
    first = session["refreshToken"]
    rotated = (await env.ok(REFRESH, {"t": first}))["refreshSession"]["session"]
    assert rotated["refreshToken"] != first
    newer = (await env.ok(REFRESH, {"t": rotated["refreshToken"]}))["refreshSession"]["session"]
    # The first (spent) token comes back: someone copied it. Refused, and the live token dies too.
    reuse = await env.gql(REFRESH, {"t": first})
    assert reuse["data"]["refreshSession"]["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]
    live = await env.gql(REFRESH, {"t": newer["refreshToken"]})
    assert live["data"]["refreshSession"]["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]
    garbage = await env.gql(REFRESH, {"t": "not-a-token"})
    assert garbage["data"]["refreshSession"]["errors"] == [{"code": "INVALID_REFRESH_TOKEN"}]
