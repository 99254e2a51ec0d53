"""Query planning + execution through the gateway against the in-process test subgraphs."""

from __future__ import annotations

import json

from gateway.config import GatewaySettings
from gateway.subgraph_errors import UNTYPED_MESSAGE
from kabinet_gateway_tests.test_persisted_and_cost import harness


async def test_root_fields_of_two_subgraphs_are_fetched_once_each(gateway):
    result = await gateway.query("{ me { name } topProducts(first: 2) { name } }")
    assert result == {"data": {"me": {"name": "Ada Lovelace"}, "topProducts": [{"name": "Table"}, {"name": "Chair"}]}}
    assert [r.subgraph for r in gateway.requests].count("accounts") == 1
    assert [r.subgraph for r in gateway.requests].count("products") == 1


async def test_entity_fetches_are_batched_one_request_per_subgraph_per_step(gateway):
    result = await gateway.query("{ reviews { body author { name } product { name inStock shippingEstimate } } }")
    assert "errors" not in result
    reviews = result["data"]["reviews"]
    assert [r["author"]["name"] for r in reviews] == ["Ada Lovelace", "Grace Hopper", "Ada Lovelace", "Grace Hopper"]
    assert reviews[0]["product"] == {"name": "Table", "inStock": True, "shippingEstimate": 0}
    assert reviews[1]["product"] == {"name": "Chair", "inStock": True, "shippingEstimate": 10}
    assert reviews[2]["product"] == {"name": "Lamp", "inStock": False, "shippingEstimate": 4}
    # 4 reviews, 2 authors, 3 products: still one request per subgraph, with de-duplicated representations.
    assert {s: len(gateway.sent_to(s)) for s in ("reviews", "accounts", "products", "inventory")} == {
        "reviews": 1,
        "accounts": 1,
        "products": 1,
        "inventory": 1,
    }
    assert len(gateway.sent_to("accounts")[0].variables["representations"]) == 2
    inventory = gateway.sent_to("inventory")[0].variables["representations"]
    # Compound key plus @requires fields, obtained from products (two hops from reviews).
    assert inventory[0] == {"__typename": "Product", "sku": "TBL", "package": "box", "price": 100, "weight": 20}


async def test_nested_hops_back_and_forth(gateway):
    result = await gateway.query("{ me { name reviews { body product { name reviews { author { name } } } } } }")
    assert "errors" not in result
    me = result["data"]["me"]
    assert me["reviews"][0]["product"]["name"] == "Table"
    assert [r["author"]["name"] for r in me["reviews"][0]["product"]["reviews"]] == ["Ada Lovelace", "Grace Hopper"]
    # accounts (root) -> reviews (reviews and product.reviews stay there) -> products + accounts in parallel.
    subgraphs = [r.subgraph for r in gateway.requests]
    assert subgraphs[:2] == ["accounts", "reviews"]
    assert sorted(subgraphs[2:]) == ["accounts", "products"]


async def test_provides_avoids_a_fetch(gateway):
    result = await gateway.query("{ reviews { author { username } } }")
    assert result["data"]["reviews"][0] == {"author": {"username": "ada"}}
    assert [r.subgraph for r in gateway.requests] == ["reviews"]


async def test_aliases_fragments_typename_and_key_fields_removed(gateway):
    query = """
      query Q { first: me { ...UserBits handle: username } products: topProducts(first: 1) { ... on Product { upc } } }
      fragment UserBits on User { __typename who: name ... { reviews { text: body } } }
    """
    result = await gateway.query(query)
    assert result == {
        "data": {
            "first": {
                "__typename": "User",
                "who": "Ada Lovelace",
                "reviews": [{"text": "Sturdy"}, {"text": "Bright"}],
                "handle": "ada",
            },
            "products": [{"upc": "1"}],
        }
    }
    # Field order follows the client's selection, and planner-added `id` is not leaked.
    assert list(result["data"]["first"]) == ["__typename", "who", "reviews", "handle"]


async def test_skip_and_include(gateway):
    query = """query($withName: Boolean!, $skipReviews: Boolean!) {
      me { id name @include(if: $withName) reviews @skip(if: $skipReviews) { body } }
    }"""
    on = await gateway.query(query, {"withName": True, "skipReviews": False})
    assert on["data"]["me"] == {"id": "1", "name": "Ada Lovelace", "reviews": [{"body": "Sturdy"}, {"body": "Bright"}]}
    gateway.reset()
    off = await gateway.query(query, {"withName": False, "skipReviews": True})
    assert off["data"]["me"] == {"id": "1"}
    assert [r.subgraph for r in gateway.requests] == ["accounts"]  # nothing left to fetch from reviews


async def test_root_typename_and_introspection():
    async for gateway in harness(GatewaySettings(compose_timeout_s=5, introspection_enabled=True)):
        await _root_typename_and_introspection(gateway)


async def _root_typename_and_introspection(gateway):
    result = await gateway.query('{ __typename __type(name: "User") { name fields { name } } }')
    assert result["data"]["__typename"] == "Query"
    assert {f["name"] for f in result["data"]["__type"]["fields"]} == {
        "id",
        "name",
        "username",
        "nickname",
        "reviews",
        "karma",
        "risky",
        "reviewSummary",
        "followers",
    }
    schema = await gateway.query("{ __schema { queryType { fields { name } } types { name } } }")
    root_fields = {f["name"] for f in schema["data"]["__schema"]["queryType"]["fields"]}
    assert root_fields == {
        "me",
        "user",
        "users",
        "topProducts",
        "warehouseName",
        "reviews",
        "topReviews",
        "search",
        "broken",
        "brokenStrict",
        "influencers",
        "library",
        "media",
        "topRated",
    }
    assert not {"_Any", "_Entity", "_Service"} & {t["name"] for t in schema["data"]["__schema"]["types"]}
    assert gateway.requests == []


async def test_subgraph_error_keeps_partial_data_with_path(gateway):
    result = await gateway.query("{ reviews { id flaky } }")
    assert [r["flaky"] for r in result["data"]["reviews"]] == ["ok", None, "ok", "ok"]
    assert result["errors"][0]["message"] == UNTYPED_MESSAGE  # "flaky failed", without a code: masked
    assert result["errors"][0]["path"] == ["reviews", 1, "flaky"]


async def test_non_null_error_nulls_the_nearest_nullable_parent(gateway):
    result = await gateway.query("{ topReviews { id strict } }")
    assert result["data"]["topReviews"] == [{"id": "r1", "strict": "fine"}, None, {"id": "r3", "strict": "fine"}]
    assert [e["path"] for e in result["errors"]] == [["topReviews", 1, "strict"]]


async def test_non_null_propagation_through_entity_fetch(gateway):
    # `strict` is non-null inside non-null list items: the whole `reviews` list (non-null) nulls `me`.
    result = await gateway.query('{ me { name reviews { strict } } user(id: "2") { reviews { strict } } }')
    assert result["data"]["me"] == {"name": "Ada Lovelace", "reviews": [{"strict": "fine"}, {"strict": "fine"}]}
    assert result["data"]["user"] is None
    assert result["errors"][0]["extensions"] == {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "reviews"}
    assert result["errors"][0]["path"] == ["user", "reviews", 0, "strict"]


async def test_nulls_and_nullable_fields(gateway):
    result = await gateway.query('{ nobody: user(id: "9") { name } users { nickname } }')
    assert result == {"data": {"nobody": None, "users": [{"nickname": None}, {"nickname": "Amazing Grace"}]}}


async def test_subgraph_receives_only_the_variables_it_uses(gateway):
    query = "query($first: Int, $id: ID!) { topProducts(first: $first) { name } user(id: $id) { name } }"
    result = await gateway.query(query, {"first": 1, "id": "2"})
    assert result["data"] == {"topProducts": [{"name": "Table"}], "user": {"name": "Grace Hopper"}}
    assert gateway.sent_to("products")[0].variables == {"first": 1}
    assert gateway.sent_to("accounts")[0].variables == {"id": "2"}


async def test_mutations_run_in_order(gateway, mutation_log):
    result = await gateway.query(
        'mutation { a: addReview(body: "x") { body author { name } } login(username: "grace") { name } '
        'b: addReview(body: "y") { id } }'
    )
    assert result["data"] == {
        "a": {"body": "x", "author": {"name": "Ada Lovelace"}},
        "login": {"name": "Grace Hopper"},
        "b": {"id": "new"},
    }
    assert mutation_log == ["addReview:x", "login:grace", "addReview:y"]
    assert [r.subgraph for r in gateway.requests] == ["reviews", "accounts", "accounts", "reviews"]


async def test_plan_and_document_caches_skip_validation_and_planning(gateway):
    pipeline = gateway.app.state.gateway.pipeline
    query = "{ reviews { author { name } } }"
    await gateway.query(query)
    validations, plannings = pipeline.validations, pipeline.plannings
    await gateway.query(query)
    await gateway.query(query)
    assert (pipeline.validations, pipeline.plannings) == (validations, plannings)
    await gateway.query("{ me { id } }")
    assert pipeline.validations == validations + 1


async def test_unavailable_subgraph_gives_typed_error_and_partial_data(gateway):
    gateway.transports["accounts"].down = True
    result = await gateway.query('{ user(id: "1") { name } topProducts(first: 1) { name } }')
    assert result["data"] == {"user": None, "topProducts": [{"name": "Table"}]}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["SERVICE_UNAVAILABLE"]
    # A failed entity fetch under non-null fields nulls up to the root, still without a stack trace.
    response = await gateway.client.post("/graphql", json={"query": "{ reviews { body author { name } } }"})
    assert response.status_code == 503  # nothing answered because a service is down: retry later
    nested = response.json()
    assert nested["data"] is None
    assert nested["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in str(nested)


async def test_subgraph_answering_503_is_service_unavailable_through_the_gateway(gateway):
    subgraph_error = {"errors": [{"message": "A service this request needs is unavailable; try again shortly.",
                                  "extensions": {"code": "SERVICE_UNAVAILABLE"}}], "data": None}
    for body in (json.dumps(subgraph_error).encode(), b"<html>503 Service Temporarily Unavailable</html>"):
        gateway.transports["reviews"].unavailable_body = body
        response = await gateway.client.post("/graphql", json={"query": "{ reviews { body } }"})
        assert response.status_code == 503, response.text
        errors = response.json()["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["SERVICE_UNAVAILABLE"]
        assert "html" not in response.text


async def test_malformed_subgraph_errors_give_typed_errors_not_a_500(gateway):
    root = "{ me { name } }"
    entities = "{ reviews { body author { name } } }"
    for body, query, code in (
        ({"errors": 5}, root, "SERVICE_UNAVAILABLE"),
        ({"data": None, "errors": "boom"}, entities, "SERVICE_UNAVAILABLE"),
        ({"errors": [{"message": "no", "extensions": "INTERNAL"}]}, root, "DOWNSTREAM_SERVICE_ERROR"),
        ({"errors": [{"message": "no", "extensions": ["x"]}]}, entities, "DOWNSTREAM_SERVICE_ERROR"),
    ):
        gateway.transports["accounts"].unavailable_body = json.dumps(body).encode()
        response = await gateway.client.post("/graphql", json={"query": query})
        assert response.status_code in (200, 503), (body, response.text)
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code], (body, response.text)
