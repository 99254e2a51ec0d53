"""Public links (issue #11 point 11): built from one public base URL (KABINET_PUBLIC_URL; in embedded mode where
`kabinet run` listens) and served at the gateway's origin — a calendar feed works at the URL issueCalendarFeed
returns, in embedded mode and through the gateway alone (separate processes); nothing else of a service is
exposed that way."""

from __future__ import annotations

import httpx

from kabinet.auth import Principal, Role
from kabinet_stack.testing import StackHandle

OWNER = Principal(user_id="owner-links", role=Role.OWNER)


async def test_a_calendar_feed_url_works_at_the_public_origin(embedded_stack: StackHandle) -> None:
    owner = embedded_stack.client(OWNER)
    branch = (await owner.execute("""mutation { createBranch(input: {name: "Links", city: "Kazan",
      timeZone: "Europe/Moscow", address: "x"}) { branch { id } } }"""))["data"]["createBranch"]["branch"]["id"]
    admin = embedded_stack.client(Principal(user_id="a", role=Role.BRANCH_ADMIN, branch_ids=frozenset({branch})))
    family = (await admin.execute(
        """mutation($b: ID!) { registerClient(input: {phone: "+79005554400", firstName: "A", lastName: "B",
        branchId: $b, consentSigned: true, students: [{firstName: "C", lastName: "B", birthDate: "2015-01-02"}]})
        { family { id students { id } } errors { code } } }""", {"b": branch}))["data"]["registerClient"]["family"]
    await embedded_stack.drain()
    guardian = embedded_stack.client(Principal(user_id="g", role=Role.GUARDIAN, family_id=family["id"]))
    got = await guardian.execute(
        "mutation($s: ID!) { issueCalendarFeed(studentId: $s) { feed { url } errors { code } } }",
        {"s": family["students"][0]["id"]})
    url = got["data"]["issueCalendarFeed"]["feed"]["url"]
    public = embedded_stack.runtime("scheduling").settings.public_url.rstrip("/")
    assert url.startswith(f"{public}/services/scheduling/calendar/") and url.endswith(".ics"), url
    path = url.removeprefix(public)

    for app in (embedded_stack.stack.app, embedded_stack.stack.gateway):  # embedded; the gateway on its own
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            feed = await client.get(path)
            assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar"), feed.text
            assert "BEGIN:VCALENDAR" in feed.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=embedded_stack.stack.gateway),
                                 base_url="http://test") as client:
        assert (await client.get("/services/scheduling/calendar/unknown.ics")).status_code == 404
        assert (await client.post("/services/scheduling/graphql", json={"query": "{ __typename }"})).status_code == 404
        assert (await client.get("/services/nowhere/calendar/x.ics")).status_code == 404
