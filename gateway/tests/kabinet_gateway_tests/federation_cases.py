"""Purpose-built supergraphs for the shapes of issue #13, each small, each with the operations that exercise it.

Every case is a set of SDL-first subgraphs (`gateway.testing.sdl_subgraph`); `test_federation_cases.py` serves
them, composes them in `@apollo/gateway` and in ours and requires identical responses for every operation.
The operations combine each directive with fragments, aliases, `@skip`/`@include` and errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.testing.sdl_subgraph import SdlSubgraph

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", '
    '"@external", "@requires", "@provides", "@override", "@inaccessible", "@interfaceObject", "@tag"])\n'
)

Operation = tuple[str, str, dict[str, Any] | None]


@dataclass
class Case:
    name: str
    subgraphs: dict[str, SdlSubgraph]
    operations: list[Operation] = field(default_factory=list)


def sub(sdl: str, data: dict[str, list[dict[str, Any]]] | None = None, **resolvers: Any) -> SdlSubgraph:
    return SdlSubgraph(LINK + sdl, data or {}, {k.replace("__", "."): v for k, v in resolvers.items()})


def _ref(typename: str, **fields: Any) -> dict[str, Any]:
    return {"__typename": typename, **fields}


CASES: list[Case] = []


def case(name: str, subgraphs: dict[str, SdlSubgraph], operations: list[Operation]) -> None:
    CASES.append(Case(name, subgraphs, operations))


# --- 1. composition and the API schema ---------------------------------------------------------------------

BOOKS = [_ref("Book", id="b1", name="Dune", pages=412), _ref("Book", id="b2", name="Emma", pages=300)]
PENS = [_ref("Pen", id="p1", name="Bic")]
case(
    "shared-abstract-vs-member",
    {
        "catalog": sub(
            """
            interface Thing { id: ID! name: String }
            type Book implements Thing @key(fields: "id") { id: ID! name: String @shareable pages: Int }
            type Pen implements Thing @key(fields: "id") { id: ID! name: String @shareable }
            union Item = Book | Pen
            type Shelf @key(fields: "id") { id: ID! top: Thing @shareable pick: Item @shareable label: String }
            type Query { shelf(id: ID!): Shelf things: [Thing] }
            """,
            {
                "Book": BOOKS,
                "Pen": PENS,
                "Shelf": [_ref("Shelf", id="s1", top=BOOKS[0], pick=BOOKS[1], label="first")],
            },
            Query__shelf=lambda _, id: next(
                (s for s in [_ref("Shelf", id="s1", top=BOOKS[0], pick=BOOKS[1], label="first")] if s["id"] == id), None
            ),
            Query__things=lambda _: [*BOOKS, *PENS],
        ),
        "library": sub(
            """
            type Book @key(fields: "id") { id: ID! name: String @shareable }
            type Shelf @key(fields: "id") { id: ID! top: Book @shareable pick: Book @shareable count: Int }
            type Query { shelves: [Shelf] }
            """,
            {"Shelf": [_ref("Shelf", id="s1", top=BOOKS[0], pick=BOOKS[1], count=2)], "Book": BOOKS},
            Query__shelves=lambda _: [_ref("Shelf", id="s1", top=BOOKS[0], pick=BOOKS[1], count=2)],
        ),
    },
    [
        ("shelves-top-member", "{ shelves { count top { __typename name } } }", None),
        ("shelves-top-fragment", "{ shelves { top { name ... on Book { pages } ... on Pen { id } } } }", None),
        ("shelves-pick-union", "{ shelves { pick { __typename ... on Book { name pages } } } }", None),
        ("shelf-from-owner", '{ shelf(id: "s1") { label count top { name } } }', None),
        (
            "shelf-alias-skip",
            'query($s: Boolean!) { x: shelf(id: "s1") { t: top @skip(if: $s) { n: name } count } }',
            {"s": False},
        ),
        ("things-fragments", "{ things { __typename ...on Book { pages name } ... on Pen { name } } }", None),
        ("api-schema-shelf", '{ __type(name: "Shelf") { fields { name type { name kind } } } }', None),
    ],
)

ITEMS = [
    _ref("Item", id="i1", status="OPEN", mode="PUBLIC"),
    _ref("Item", id="i2", status="SECRET", mode="PUBLIC"),
    _ref("Item", id="i3", status="CLOSED", mode="PUBLIC"),
]
case(
    "inaccessible-argument-and-enum",
    {
        "items": sub(
            """
            enum Mode { PUBLIC INTERNAL @inaccessible }
            enum Status { OPEN CLOSED SECRET @inaccessible }
            type Item @key(fields: "id") { id: ID! status: Status strictStatus: Status! }
            type Query {
              items(first: Int = 3, mode: Mode = INTERNAL @inaccessible): [Item]
              item(id: ID!): Item
            }
            """,
            {"Item": ITEMS},
            Query__items=lambda _, first=3, mode=None: ITEMS[:first],
            Query__item=lambda _, id: next((i for i in ITEMS if i["id"] == id), None),
            Item__strictStatus=lambda obj: obj["status"],
        ),
        "notes": sub(
            """
            type Item @key(fields: "id") { id: ID! note: String }
            type Query { noteCount: Int }
            """,
            Item__note=lambda obj: f"note {obj['id']}",
            Query__noteCount=lambda _: 3,
        ),
    },
    [
        ("api-args", '{ __type(name: "Query") { fields { name args { name defaultValue } } } }', None),
        ("api-enum", '{ __type(name: "Status") { enumValues { name } } } ', None),
        ("items-default-args", "{ items { id note } }", None),
        ("inaccessible-value-nullable", "{ items { id status } }", None),
        ("inaccessible-value-non-null", "{ items { id strictStatus } }", None),
        ("inaccessible-value-one", '{ item(id: "i2") { status note } }', None),
        ("inaccessible-arg-rejected", "{ items(mode: PUBLIC) { id } }", None),
        ("inaccessible-enum-literal-rejected", "{ items(first: 1) { status } noteCount }", None),
    ],
)

# (case, operation) -> the right response where `@apollo/gateway`'s is wrong (docs/gateway.md explains each).
KNOWN_APOLLO_DIFFERENCES: dict[tuple[str, str], tuple[int, Any]] = {}
