"""The web app's committed copy of the API schema (web/schema.graphql, which GraphQL Codegen reads) equals the
schema the gateway composes from the services, its Subscription root included.

After an API change: `uv run kabinet-gateway compose --form api --out web/schema.graphql`, then the web app's
`npm --prefix web run codegen`, and review both diffs.
"""

from __future__ import annotations

from pathlib import Path

from gateway.cli import api_schema_sdl

WEB = Path(__file__).resolve().parents[2] / "web"
REGENERATE = (
    "run `uv run kabinet-gateway compose --form api --out web/schema.graphql` and `npm --prefix web run codegen`"
)


def test_the_web_apps_schema_is_the_gateways_api_schema() -> None:
    composed = api_schema_sdl()
    assert "type Subscription" in composed and "type Mutation" in composed
    if not (WEB / "package.json").exists():
        return  # no web app in this checkout: nothing to compare (the composition itself is checked above)
    committed = WEB / "schema.graphql"
    assert committed.exists(), f"{committed} is missing: {REGENERATE}"
    assert committed.read_text() == composed, f"web/schema.graphql is out of date: {REGENERATE}"
