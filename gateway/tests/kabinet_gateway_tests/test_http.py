"""The HTTP surface: GraphQL over HTTP (GET/POST, status codes, media types), health, readiness, metrics."""

from __future__ import annotations

import httpx

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig


async def test_get_query_and_media_types(gateway):
    response = await gateway.client.get("/graphql", params={"query": "{ me { name } }"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"me": {"name": "Ada Lovelace"}}}
    response = await gateway.client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"accept": "application/graphql-response+json"}
    )
    assert response.headers["content-type"].startswith("application/graphql-response+json")


async def test_mutation_over_get_is_405(gateway, mutation_log):
    response = await gateway.client.get("/graphql", params={"query": 'mutation { login(username: "ada") { id } }'})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert mutation_log == []


async def test_validation_and_parse_errors_are_400_with_codes(gateway):
    response = await gateway.client.post("/graphql", json={"query": "{ me { nope } }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    response = await gateway.client.post("/graphql", json={"query": "{ me { "})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    response = await gateway.client.post("/graphql", json={"query": "query($id: ID!) { user(id: $id) { id } }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    response = await gateway.client.post("/graphql", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert gateway.requests == []


async def test_operation_name_selects_the_operation(gateway):
    body = {"query": "query A { me { id } } query B { users { id } }", "operationName": "B"}
    response = await gateway.client.post("/graphql", json=body)
    assert response.json() == {"data": {"users": [{"id": "1"}, {"id": "2"}]}}
    response = await gateway.client.post("/graphql", json={"query": body["query"]})
    assert response.status_code == 400


async def test_authorization_and_correlation_id_are_forwarded(gateway):
    response = await gateway.client.post(
        "/graphql", json={"query": "{ reviews { author { name } } }"}, headers={"authorization": "Bearer t0k"}
    )
    correlation_id = response.headers["x-correlation-id"]
    assert correlation_id
    for sent in gateway.requests:
        assert sent.headers["authorization"] == "Bearer t0k"
        assert sent.headers["x-correlation-id"] == correlation_id
    gateway.reset()
    response = await gateway.client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"x-correlation-id": "abc-123"}
    )
    assert response.headers["x-correlation-id"] == "abc-123"
    assert gateway.requests[0].headers["x-correlation-id"] == "abc-123"


async def test_health_readiness_metrics(gateway):
    assert (await gateway.client.get("/console")).status_code == 404  # off unless configured (test_console.py)
    assert (await gateway.client.get("/healthz")).status_code == 200
    assert (await gateway.client.get("/readyz")).json()["status"] == "ready"
    await gateway.query("{ me { id } }")
    metrics = await gateway.client.get("/metrics")
    assert "gateway_requests_total" in metrics.text
    assert "gateway_subgraph_requests_total" in metrics.text


async def test_not_ready_when_subgraphs_never_answer():
    class Down(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

    settings = GatewaySettings(compose_timeout_s=0.2, compose_retry_initial_s=0.01, compose_retry_max_s=0.05)
    app = create_gateway_app(settings, [SubgraphConfig("accounts", "http://accounts/graphql", Down())])
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "accounts" in ready.json()["reason"]
        assert (await client.get("/healthz")).status_code == 200
        response = await client.post("/graphql", json={"query": "{ a }"})
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "GATEWAY_NOT_READY"


def test_settings_parse_subgraph_list(monkeypatch):
    monkeypatch.setenv("GATEWAY_SUBGRAPHS", "identity=http://identity:8001/graphql,billing=http://billing:8003/graphql")
    settings = GatewaySettings()
    assert [(s.name, s.url) for s in settings.subgraphs] == [
        ("identity", "http://identity:8001/graphql"),
        ("billing", "http://billing:8003/graphql"),
    ]
    assert settings.port == 8000 and settings.subgraph_timeout_s == 10
    assert not settings.console_enabled and not settings.introspection_enabled
