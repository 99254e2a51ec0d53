"""Small purpose-built federation subgraphs, served in-process (and over HTTP for the Apollo parity tests).

- User: @key(id) and @key(username) in accounts, @key(id) in reviews, @key(username) in social (so reaching
  `followers` from reviews goes through the key that reviews does not have); `username` is @shareable in
  accounts and provided by reviews; `karma` moved from accounts to reviews with @override; `internalCode` is
  @inaccessible; reviews' `reviewSummary @requires(name)` needs a field of accounts (a hop back and forth).
- Product: @key(upc) and compound @key(sku package) in products; reviews knows only upc; inventory knows only
  "sku package" and adds `shippingEstimate @requires(price weight)` - reaching it from reviews takes two hops.
- Review (reviews) has a nullable field that errors, a non-null field that errors for one review, and a field
  that errors with an `extensions.code`; `search` returns a union of Review, User and Product (members whose
  fields live in three subgraphs).
- Media: an entity interface (Book, Movie) in media; ratings adds `rating` to it as an @interfaceObject.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import pytest
import strawberry
from graphql import GraphQLError
from strawberry.asgi import GraphQL

from gateway.app import create_gateway_app
from gateway.config import GatewaySettings, SubgraphConfig

USERS = {"1": ("Ada Lovelace", "ada"), "2": ("Grace Hopper", "grace")}
PRODUCTS = {
    "1": {"sku": "TBL", "package": "box", "name": "Table", "price": 100, "weight": 20},
    "2": {"sku": "CHR", "package": "box", "name": "Chair", "price": 50, "weight": 5},
    "3": {"sku": "LMP", "package": "bag", "name": "Lamp", "price": 30, "weight": 2},
}
REVIEWS = [
    {"id": "r1", "body": "Sturdy", "author": "1", "product": "1"},
    {"id": "r2", "body": "Wobbly", "author": "2", "product": "2"},
    {"id": "r3", "body": "Bright", "author": "1", "product": "3"},
    {"id": "r4", "body": "Fine", "author": "2", "product": "1"},
]
MUTATION_LOG: list[str] = []


# --- accounts -------------------------------------------------------------------------------------------


@strawberry.federation.type(name="User", keys=["id", "username"])
class AccountsUser:
    id: strawberry.ID
    name: str
    username: str = strawberry.federation.field(shareable=True)
    nickname: str | None = None
    internal_code: str | None = strawberry.federation.field(inaccessible=True, default="AC-1")
    karma: int | None = 1  # overridden: reviews resolves it

    @strawberry.field
    def risky(self) -> str | None:
        if self.id == "2":
            raise GraphQLError("risky failed", extensions={"code": "RISKY"})
        return f"safe {self.id}"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID | None = None, username: str | None = None) -> AccountsUser:
        if id is None:
            id = strawberry.ID(next(i for i, (_, u) in USERS.items() if u == username))
        return account(id)


def account(user_id: str) -> AccountsUser:
    name, username = USERS[user_id]
    return AccountsUser(
        id=strawberry.ID(user_id), name=name, username=username, nickname="Amazing Grace" if user_id == "2" else None
    )


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def me(self) -> AccountsUser:
        return account("1")

    @strawberry.field
    def user(self, id: strawberry.ID) -> AccountsUser | None:
        return account(id) if id in USERS else None

    @strawberry.field
    def users(self) -> list[AccountsUser]:
        return [account(i) for i in USERS]


@strawberry.type
class AccountsMutation:
    @strawberry.mutation
    def login(self, username: str) -> AccountsUser | None:
        MUTATION_LOG.append(f"login:{username}")
        return next((account(i) for i, (_, u) in USERS.items() if u == username), None)


accounts_schema = strawberry.federation.Schema(query=AccountsQuery, mutation=AccountsMutation)


# --- products -------------------------------------------------------------------------------------------


@strawberry.federation.type(name="Product", keys=["upc", "sku package"])
class CatalogProduct:
    upc: str
    sku: str
    package: str
    name: str
    price: int
    weight: int

    @classmethod
    def resolve_reference(cls, **representation: Any) -> CatalogProduct:
        if "upc" in representation:
            return catalog_product(representation["upc"])
        upc = next(
            u
            for u, p in PRODUCTS.items()
            if p["sku"] == representation["sku"] and p["package"] == representation["package"]
        )
        return catalog_product(upc)


def catalog_product(upc: str) -> CatalogProduct:
    p = PRODUCTS[upc]
    return CatalogProduct(
        upc=upc, sku=p["sku"], package=p["package"], name=p["name"], price=p["price"], weight=p["weight"]
    )


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[CatalogProduct]:
        return [catalog_product(u) for u in list(PRODUCTS)[:first]]


products_schema = strawberry.federation.Schema(query=ProductsQuery)


# --- inventory ------------------------------------------------------------------------------------------


@strawberry.federation.type(name="Product", keys=["sku package"])
class StockedProduct:
    sku: str
    package: str
    price: int = strawberry.federation.field(external=True, default=0)
    weight: int = strawberry.federation.field(external=True, default=0)

    @strawberry.field
    def in_stock(self) -> bool:
        return self.sku != "LMP"

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int:
        assert self.price and self.weight, "requires fields missing"
        return 0 if self.price > 80 else self.weight * 2

    @classmethod
    def resolve_reference(cls, sku: str, package: str, price: int = 0, weight: int = 0) -> StockedProduct:
        return StockedProduct(sku=sku, package=package, price=price, weight=weight)


@strawberry.type
class InventoryQuery:
    @strawberry.field
    def warehouse_name(self) -> str:
        return "Main"


inventory_schema = strawberry.federation.Schema(query=InventoryQuery, types=[StockedProduct])


# --- reviews --------------------------------------------------------------------------------------------


@strawberry.federation.type(name="User", keys=["id"])
class ReviewsUser:
    id: strawberry.ID
    username: str = strawberry.federation.field(external=True)
    name: str = strawberry.federation.field(external=True, default="")

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [review(r) for r in REVIEWS if r["author"] == self.id]

    @strawberry.federation.field(override="accounts")
    def karma(self) -> int | None:
        return 10 * len([r for r in REVIEWS if r["author"] == self.id])

    @strawberry.federation.field(requires=["name"])
    def review_summary(self) -> str:
        assert self.name, "requires field missing"
        count = len([r for r in REVIEWS if r["author"] == self.id])
        return f"{self.name} wrote {count} reviews"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, name: str = "") -> ReviewsUser:
        return ReviewsUser(id=id, username=USERS[id][1], name=name)


@strawberry.federation.type(name="Product", keys=["upc"])
class ReviewedProduct:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [review(r) for r in REVIEWS if r["product"] == self.upc]

    @classmethod
    def resolve_reference(cls, upc: str) -> ReviewedProduct:
        return ReviewedProduct(upc=upc)


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    author: ReviewsUser = strawberry.federation.field(provides=["username"])
    product: ReviewedProduct

    @strawberry.field
    def flaky(self) -> str | None:
        if self.id == "r2":
            raise ValueError("flaky failed")
        return "ok"

    @strawberry.field
    def strict(self) -> str:
        if self.id == "r2":
            raise ValueError("strict failed")
        return "fine"

    @strawberry.field
    def restricted(self) -> str | None:
        if self.id == "r1":
            raise GraphQLError("not allowed", extensions={"code": "FORBIDDEN"})
        return "open"


SearchResult = Annotated[Review | ReviewsUser | ReviewedProduct, strawberry.union("SearchResult")]


def review(r: dict[str, str]) -> Review:
    return Review(
        id=strawberry.ID(r["id"]),
        body=r["body"],
        author=ReviewsUser(id=strawberry.ID(r["author"]), username=USERS[r["author"]][1]),
        product=ReviewedProduct(upc=r["product"]),
    )


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [review(r) for r in REVIEWS]

    @strawberry.field
    def top_reviews(self) -> list[Review | None]:
        return [review(r) for r in REVIEWS[:3]]

    @strawberry.field
    def search(self, term: str) -> list[SearchResult]:
        found: list[Any] = [review(r) for r in REVIEWS if term.lower() in r["body"].lower()]
        found += [ReviewsUser(id=strawberry.ID(i), username=u) for i, (_, u) in USERS.items() if term in u]
        found += [ReviewedProduct(upc=u) for u, p in PRODUCTS.items() if term.lower() in str(p["name"]).lower()]
        return found

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("broken root")

    @strawberry.field
    def broken_strict(self) -> str:
        raise ValueError("broken strict root")


@strawberry.type
class ReviewsMutation:
    @strawberry.mutation
    def add_review(self, body: str) -> Review:
        MUTATION_LOG.append(f"addReview:{body}")
        return Review(
            id=strawberry.ID("new"),
            body=body,
            author=ReviewsUser(id=strawberry.ID("1"), username="ada"),
            product=ReviewedProduct(upc="1"),
        )


reviews_schema = strawberry.federation.Schema(query=ReviewsQuery, mutation=ReviewsMutation)


# --- social ---------------------------------------------------------------------------------------------


@strawberry.federation.type(name="User", keys=["username"])
class SocialUser:
    username: str = strawberry.federation.field(shareable=True)

    @strawberry.field
    def followers(self) -> int:
        return 10 * len(self.username)

    @classmethod
    def resolve_reference(cls, username: str) -> SocialUser:
        return SocialUser(username=username)


@strawberry.type
class SocialQuery:
    @strawberry.field
    def influencers(self) -> list[SocialUser]:
        return [SocialUser(username="grace"), SocialUser(username="ada")]


social_schema = strawberry.federation.Schema(query=SocialQuery)


# --- media (an entity interface) and ratings (adds to it as an @interfaceObject) ------------------------

MEDIA = {
    "b1": ("Book", "Dune", {"author": "Herbert"}),
    "m1": ("Movie", "Alien", {"minutes": 117}),
    "b2": ("Book", "Emma", {"author": "Austen"}),
}


@strawberry.federation.interface(keys=["id"])
class Media:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return media_item(id)


@strawberry.federation.type(keys=["id"])
class Book(Media):
    author: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return media_item(id)


@strawberry.federation.type(keys=["id"])
class Movie(Media):
    minutes: int

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return media_item(id)


def media_item(media_id: str) -> Media:
    kind, title, extra = MEDIA[media_id]
    if kind == "Book":
        return Book(id=strawberry.ID(media_id), title=title, author=str(extra["author"]))
    return Movie(id=strawberry.ID(media_id), title=title, minutes=int(extra["minutes"]))


@strawberry.type
class MediaQuery:
    @strawberry.field
    def library(self) -> list[Media]:
        return [media_item(i) for i in MEDIA]

    @strawberry.field
    def media(self, id: strawberry.ID) -> Media | None:
        return media_item(id) if id in MEDIA else None


media_schema = strawberry.federation.Schema(query=MediaQuery, types=[Book, Movie])


@strawberry.federation.interface_object(name="Media", keys=["id"])
class RatedMedia:
    id: strawberry.ID

    @strawberry.field
    def rating(self) -> int:
        return {"b1": 5, "m1": 4, "b2": 3}.get(self.id, 0)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> RatedMedia:
        return RatedMedia(id=id)


@strawberry.type
class RatingsQuery:
    @strawberry.field
    def top_rated(self) -> list[RatedMedia]:
        return [RatedMedia(id=strawberry.ID("b1")), RatedMedia(id=strawberry.ID("m1"))]


ratings_schema = strawberry.federation.Schema(query=RatingsQuery, types=[RatedMedia])

SCHEMAS = {
    "accounts": accounts_schema,
    "products": products_schema,
    "inventory": inventory_schema,
    "reviews": reviews_schema,
    "social": social_schema,
    "media": media_schema,
    "ratings": ratings_schema,
}


# --- plumbing -------------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    subgraph: str
    query: str
    variables: dict[str, Any]
    headers: dict[str, str]


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """Wraps a subgraph's ASGI transport and records every request, so tests can count fetches."""

    subgraph: str
    inner: httpx.AsyncBaseTransport
    log: list[RecordedRequest]
    down: bool = False
    # Answer 503 with this body (a subgraph whose database is down, or a proxy in front of it).
    unavailable_body: bytes | None = None
    # Answer 200 with this body (whatever a subgraph may send).
    answer_body: bytes | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.unavailable_body is not None:
            return httpx.Response(503, content=self.unavailable_body, request=request)
        if self.answer_body is not None:
            return httpx.Response(200, content=self.answer_body, request=request)
        body = json.loads(request.content or b"{}")
        if "_service" not in body.get("query", ""):
            self.log.append(
                RecordedRequest(self.subgraph, body["query"], body.get("variables") or {}, dict(request.headers))
            )
        return await self.inner.handle_async_request(request)


@dataclass
class GatewayHarness:
    client: httpx.AsyncClient
    app: Any
    requests: list[RecordedRequest] = field(default_factory=list)
    transports: dict[str, RecordingTransport] = field(default_factory=dict)

    async def query(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        body.update(kwargs)
        response = await self.client.post("/graphql", json=body)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def sent_to(self, subgraph: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.subgraph == subgraph]

    def reset(self) -> None:
        self.requests.clear()


def subgraph_configs(log: list[RecordedRequest]) -> list[SubgraphConfig]:
    return [
        SubgraphConfig(
            name, f"http://{name}/graphql", RecordingTransport(name, httpx.ASGITransport(app=GraphQL(schema)), log)
        )
        for name, schema in SCHEMAS.items()
    ]


@pytest.fixture
async def gateway() -> AsyncIterator[GatewayHarness]:
    log: list[RecordedRequest] = []
    configs = subgraph_configs(log)
    app = create_gateway_app(GatewaySettings(compose_timeout_s=5), configs)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        yield GatewayHarness(
            client=client,
            app=app,
            requests=log,
            transports={c.name: c.transport for c in configs},  # type: ignore[misc]
        )


@pytest.fixture
def mutation_log() -> list[str]:
    MUTATION_LOG.clear()
    return MUTATION_LOG
