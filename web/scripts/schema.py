"""Write web/schema.graphql: the gateway's API schema including its own Subscription root.

`kabinet-gateway compose --form api` composes the four services only; the gateway adds its `gateway` subgraph
(subscriptions) at run time, so the app's schema is composed here the same way the running gateway does it.
"""

from pathlib import Path

from gateway.cli import service_sdls
from gateway.composition import compose
from gateway.subscriptions import GATEWAY_SUBGRAPH, subscription_sdl

sdls = service_sdls()
sdls[GATEWAY_SUBGRAPH] = subscription_sdl()
supergraph = compose(sdls, {name: f"http://{name}:8000/graphql" for name in sdls})
Path(__file__).resolve().parent.parent.joinpath("schema.graphql").write_text(supergraph.api_sdl() + "\n", encoding="utf-8")
