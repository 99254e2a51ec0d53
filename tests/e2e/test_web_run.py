"""`kabinet run` with a web app (a placeholder stands in for web/): built on the first start and not on the second,
served at / by the gateway, its documents registered - run by id next to arbitrary ones, or alone with
`--trusted-documents-only` - and the session cookie of the sign-in coming back through the gateway."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from kabinet_stack.testing import kabinet_run, write_placeholder_web_app

SIGN_IN = """mutation SignIn($login: String!, $password: String!) {
  signInWithPassword(login: $login, password: $password) { session { accessToken refreshToken } errors { code } }
}"""
ADMIN_LOGIN, PASSWORD = "admin.msk@kabinet.demo", "kabinet-demo-2025"
FREEFORM = "{ __typename }"


def document_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


async def test_kabinet_run_builds_serves_and_registers_the_web_app(tmp_path: Path) -> None:
    web = write_placeholder_web_app(tmp_path / "web", {"SignIn": SIGN_IN})
    env = {"KABINET_WEB_SOURCE": str(web)}
    async with kabinet_run(tmp_path, "--trusted-documents-only", env=env) as (base, log):
        banner = log.read_text()
        shown = base.replace("127.0.0.1", "localhost")
        assert f"Family cabinet (web app): {shown}/ " in banner
        assert f"Console (GraphiQL): {shown}/console" in banner
        assert f"{shown}/services/identity/dev/messages" in banner
        assert "npm run build" in banner
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for path in ("/", "/c/some-child/money"):
                page = await client.get(path)
                assert page.status_code == 200 and "Placeholder 1" in page.text, path
                assert "script-src 'self';" in page.headers["content-security-policy"]
            assert (await client.get("/assets/app-1.js")).status_code == 200
            assert (await client.get("/console")).status_code == 200

            # Only the app's documents run; its sign-in, in cookie mode, leaves the token in the cookie only.
            signed = await client.post("/graphql", headers={"x-kabinet-session": "cookie"}, json={
                "documentId": document_id(SIGN_IN), "operationName": "SignIn",
                "variables": {"login": ADMIN_LOGIN, "password": PASSWORD}})
            session = signed.json()["data"]["signInWithPassword"]["session"]
            assert session["accessToken"] and session["refreshToken"] is None
            cookie = signed.headers["set-cookie"]
            assert cookie.startswith("kabinet_refresh=") and "HttpOnly" in cookie and "Path=/graphql" in cookie
            assert signed.headers["cache-control"] == "no-store"
            refused = await client.post("/graphql", json={"query": FREEFORM})
            assert refused.status_code == 403

    # The second start builds nothing, and without the flag arbitrary documents run too (the console's).
    assert (tmp_path / "calls.log").read_text().split() == ["ci", "build"]
    async with kabinet_run(tmp_path / "again", env=env) as (base, log):
        assert "npm " not in log.read_text()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            assert (await client.post("/graphql", json={"query": FREEFORM})).json() == {"data": {"__typename": "Query"}}
            by_id = await client.post("/graphql", json={"documentId": document_id(SIGN_IN), "variables": {
                "login": ADMIN_LOGIN, "password": PASSWORD}})
            assert by_id.json()["data"]["signInWithPassword"]["session"]["refreshToken"]
    assert (tmp_path / "calls.log").read_text().split() == ["ci", "build"]


async def test_without_a_web_app_the_console_still_opens_at_root(tmp_path: Path) -> None:
    env = {"KABINET_WEB_SOURCE": str(tmp_path / "no-web-here")}
    async with kabinet_run(tmp_path, env=env) as (base, log):
        assert "Family cabinet (web app): not served - there is no web app" in log.read_text()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            root = await client.get("/")
            assert root.status_code in (302, 307) and root.headers["location"] == "/console"
