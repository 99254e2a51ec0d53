"""The parity corpus: operations sent to both `@apollo/gateway` and ours over the test subgraphs of conftest.

Each entry is (id, query, variables, operationName). Grouped by the feature of issue #7 point 2 they exercise.
"""

from __future__ import annotations

from typing import Any

Op = tuple[str, str, dict[str, Any] | None, str | None]

CORPUS: list[Op] = [
    # --- one subgraph, root fields, arguments ------------------------------------------------------------
    ("root-one-subgraph", "{ me { id name username } }", None, None),
    ("root-two-subgraphs", "{ me { name } topProducts(first: 2) { name price } }", None, None),
    ("root-argument-literal", '{ user(id: "2") { name nickname } }', None, None),
    ("root-null-result", '{ user(id: "404") { name } }', None, None),
    ("root-list", "{ users { id name } }", None, None),
    ("root-default-argument", "{ topProducts { upc } }", None, None),
    ("root-shareable-value", "{ warehouseName }", None, None),
    # --- entities: one key, several keys, compound keys, hops ---------------------------------------------
    ("entity-one-hop", "{ reviews { body author { name } } }", None, None),
    ("entity-batched-dedup", "{ reviews { author { id name nickname } product { upc name } } }", None, None),
    ("entity-compound-key-two-hops", "{ reviews { product { name inStock shippingEstimate } } }", None, None),
    ("entity-compound-key-direct", "{ topProducts { sku package inStock } }", None, None),
    ("entity-requires-same-source", "{ topProducts(first: 3) { name shippingEstimate } }", None, None),
    (
        "entity-back-and-forth",
        "{ me { name reviews { body product { name reviews { author { name } } } } } }",
        None,
        None,
    ),
    ("entity-second-key", "{ me { followers } }", None, None),
    ("entity-key-from-provides", "{ reviews { author { followers } } }", None, None),
    ("entity-three-hops", "{ influencers { username name reviews { body product { name inStock } } } }", None, None),
    ("entity-requires-from-third", "{ reviews { id author { reviewSummary } } }", None, None),
    ("entity-requires-nested-hop", "{ influencers { reviewSummary followers } }", None, None),
    ("provides-no-fetch", "{ reviews { author { username } } }", None, None),
    ("provides-plus-fetch", "{ reviews { author { username name } } }", None, None),
    ("override-field", "{ users { name karma } }", None, None),
    ("override-from-reviews-root", "{ reviews { author { karma } } }", None, None),
    ("shareable-from-either", "{ users { username } reviews { author { username } } }", None, None),
    # --- interfaces, unions, @interfaceObject ------------------------------------------------------------
    (
        "union-members-across-subgraphs",
        '{ search(term: "a") { __typename ... on Review { body } ... on User { name } '
        "... on Product { name price } } }",
        None,
        None,
    ),
    ("union-typename-only", '{ search(term: "e") { __typename } }', None, None),
    (
        "union-named-fragments",
        'query S { search(term: "r") { ...R ...U } } fragment R on Review { id author { name } } '
        "fragment U on User { username followers }",
        None,
        "S",
    ),
    ("interface-fields", "{ library { id title } }", None, None),
    (
        "interface-type-conditions",
        "{ library { __typename title ... on Book { author } ... on Movie { minutes } } }",
        None,
        None,
    ),
    ("interface-object-field", "{ library { title rating } }", None, None),
    (
        "interface-object-on-fragment",
        "{ library { ... on Book { title rating } ... on Movie { minutes } } }",
        None,
        None,
    ),
    ("interface-single", '{ media(id: "m1") { title ... on Movie { minutes } rating } }', None, None),
    ("interface-object-root", "{ topRated { id rating } }", None, None),
    ("interface-object-root-typename", "{ topRated { __typename id title rating } }", None, None),
    (
        "interface-object-root-fragment",
        "{ topRated { rating ... on Book { author } ... on Movie { minutes } } }",
        None,
        None,
    ),
    # --- fragments, aliases, __typename ------------------------------------------------------------------
    ("aliases", '{ a: me { n: name } b: user(id: "2") { n: name u: username } }', None, None),
    (
        "alias-same-field-twice",
        "{ one: topProducts(first: 1) { name } two: topProducts(first: 2) { name } }",
        None,
        None,
    ),
    ("alias-on-entity-field", "{ reviews { who: author { full: name id } } }", None, None),
    ("alias-key-clash", "{ reviews { author { id: name } } }", None, None),
    (
        "typename-everywhere",
        "{ __typename me { __typename reviews { __typename product { __typename } } } }",
        None,
        None,
    ),
    (
        "named-fragment",
        "query Q { me { ...UserBits } } fragment UserBits on User { id name reviews { body } }",
        None,
        "Q",
    ),
    (
        "nested-fragments",
        "query Q { reviews { ...R } } fragment R on Review { body author { ...A } } "
        "fragment A on User { name ...B } fragment B on User { nickname }",
        None,
        None,
    ),
    ("inline-fragment-no-condition", "{ me { ... { name } ... on User { username } } }", None, None),
    ("fragment-merging", "{ me { reviews { body } reviews { id product { name } } } }", None, None),
    (
        "root-fragments",
        "query { ... on Query { me { name } } ...Root } fragment Root on Query { warehouseName }",
        None,
        None,
    ),
    # --- variables, @skip/@include -----------------------------------------------------------------------
    (
        "variables",
        "query($id: ID!, $first: Int) { user(id: $id) { name } topProducts(first: $first) { upc } }",
        {"id": "2", "first": 1},
        None,
    ),
    ("variables-default", "query($first: Int = 2) { topProducts(first: $first) { upc } }", None, None),
    ("variables-unused-extra", "query($id: ID!, $unused: String) { user(id: $id) { name } }", {"id": "1"}, None),
    ("skip-true", "query($s: Boolean!) { me { name reviews @skip(if: $s) { body } } }", {"s": True}, None),
    ("skip-false", "query($s: Boolean!) { me { name reviews @skip(if: $s) { body } } }", {"s": False}, None),
    (
        "include-entity-field",
        "query($i: Boolean!) { reviews { body author @include(if: $i) { name } } }",
        {"i": False},
        None,
    ),
    (
        "include-on-fragment",
        "query($i: Boolean!) { me { ... on User @include(if: $i) { name } id } }",
        {"i": True},
        None,
    ),
    ("skip-literal", "{ me { name @skip(if: true) id } }", None, None),
    ("skip-root-field", "query($s: Boolean!) { me @skip(if: $s) { name } users { id } }", {"s": True}, None),
    (
        "skip-and-include",
        "query($a: Boolean!, $b: Boolean!) { me { name @skip(if: $a) @include(if: $b) id } }",
        {"a": False, "b": True},
        None,
    ),
    ("operation-name-select", "query A { me { id } } query B { users { name } }", None, "B"),
    # --- errors, partial data, null propagation ----------------------------------------------------------
    ("error-nullable-field", "{ reviews { id flaky } }", None, None),
    ("error-non-null-field", "{ topReviews { id strict } }", None, None),
    (
        "error-propagates-through-entity",
        '{ me { name reviews { strict } } user(id: "2") { reviews { strict } } }',
        None,
        None,
    ),
    ("error-with-code", "{ reviews { id restricted } }", None, None),
    ("error-in-entity-fetch", "{ reviews { id author { risky } } }", None, None),
    ("error-root-nullable", "{ broken me { id } }", None, None),
    ("error-root-non-null", "{ brokenStrict me { id } }", None, None),
    ("error-validation-unknown-field", "{ me { nope } }", None, None),
    ("error-validation-inaccessible", "{ me { internalCode } }", None, None),
    ("error-parse", "{ me { ", None, None),
    ("error-missing-variable", "query($id: ID!) { user(id: $id) { id } }", None, None),
    ("error-wrong-variable-type", "query($first: Int) { topProducts(first: $first) { upc } }", {"first": "x"}, None),
    ("error-unknown-operation-name", "query A { me { id } }", None, "B"),
    # --- introspection of the API schema -----------------------------------------------------------------
    (
        "introspection-type",
        '{ __type(name: "User") { name kind fields { name type { name kind ofType { name } } } } }',
        None,
        None,
    ),
    ("introspection-union", '{ __type(name: "SearchResult") { possibleTypes { name } } }', None, None),
    (
        "introspection-interface",
        '{ __type(name: "Media") { kind possibleTypes { name } fields { name } } }',
        None,
        None,
    ),
    (
        "introspection-no-internals",
        '{ any: __type(name: "_Any") { name } entity: __type(name: "_Entity") { name } }',
        None,
        None,
    ),
    (
        "introspection-schema-roots",
        "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }",
        None,
        None,
    ),
    ("introspection-mixed-with-data", '{ me { name } __type(name: "Review") { fields { name } } }', None, None),
    # --- mutations in order ------------------------------------------------------------------------------
    (
        "mutation-order",
        'mutation { a: addReview(body: "x") { body author { name } } login(username: "grace") { name } '
        'b: addReview(body: "y") { id product { name } } }',
        None,
        None,
    ),
    (
        "mutation-variables",
        "mutation($u: String!) { login(username: $u) { name reviews { body } } }",
        {"u": "ada"},
        None,
    ),
    ("mutation-null-result", 'mutation { login(username: "nobody") { name } }', None, None),
]

# Deliberate differences (docs/gateway.md lists them with the reasons): the checks these entries get instead.
# - variable coercion messages are graphql-core's wording (code, locations and status are the same);
MESSAGE_WORDING_DIFFERS = {"error-missing-variable", "error-wrong-variable-type"}
# - an unknown operationName is a request error (400, OPERATION_RESOLUTION_FAILURE) as GraphQL over HTTP says,
#   where @apollo/server answers 500 INVALID_GRAPHQL; the message is the same.
STATUS_DIFFERS = {"error-unknown-operation-name"}
