"""The published event catalogue, generated from the code: docs/events.md and an AsyncAPI 2.6 document.

    python -m kabinet.events.catalogue --out docs/events.md --asyncapi docs/asyncapi.json [--check]

Producers are found by importing ``<service>.domain.events`` (its ``@produces`` contracts), consumers by
importing ``<service>.service.handlers`` (its ``HANDLERS``: routing keys or topic patterns). A service
that does not exist yet, or cannot be imported, is skipped and listed as such, so the catalogue grows
as services appear. The output is deterministic (sorted, no timestamps), so a test can compare it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kabinet.bus.base import topic_matches
from kabinet.bus.wire import BATCH_CONTENT_TYPE, EVENTS_HEADER
from kabinet.events.contracts import PRODUCED, EventContract

SERVICES = ("identity", "scheduling", "billing", "learning")
EXCHANGE = "kabinet.events"


@dataclass(frozen=True)
class Entry:
    routing_key: str
    contract: type[EventContract]
    producer: str
    consumers: tuple[str, ...]
    # The consumers that publish every change they make on this event as events of their own (``announces``
    # on their route): the event itself changes the answers of its producer and of the other consumers only.
    announcing: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[str, ...]:
        """The services whose answers this event itself changes (what a cache drops on it)."""
        return (self.producer, *(c for c in self.consumers if c not in self.announcing))


@dataclass
class Catalogue:
    entries: list[Entry] = field(default_factory=list)
    # consumer -> subscriptions (keys or patterns) that no catalogued contract matches
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    services_found: list[str] = field(default_factory=list)
    services_missing: list[str] = field(default_factory=list)


def _import(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def collect(services: Sequence[str] = SERVICES) -> Catalogue:
    cat = Catalogue()
    producers: dict[str, str] = {}  # routing key -> service
    subscriptions: dict[str, list[str]] = {}
    announced: dict[str, set[str]] = {}  # service -> its subscriptions whose handlers announce their changes
    for svc in services:
        events = _import(f"{svc}.domain.events")
        handlers_mod = _import(f"{svc}.service.handlers")
        if events is None and handlers_mod is None:
            cat.services_missing.append(svc)
            continue
        cat.services_found.append(svc)
        for key, contract in PRODUCED.items():
            if contract.__module__ == f"{svc}.domain.events" or contract.__module__.startswith(f"{svc}.domain."):
                producers[key] = svc
        handlers = getattr(handlers_mod, "HANDLERS", None) or {}
        subscriptions[svc] = sorted(str(k) for k in handlers)
        announced[svc] = {str(k) for k, route in handlers.items() if getattr(route, "announces", False)}
    for key in sorted(producers):
        consumers = tuple(sorted(s for s, subs in subscriptions.items() if any(topic_matches(p, key) for p in subs)))
        announcing = tuple(s for s in consumers if any(topic_matches(p, key) for p in announced[s]))
        cat.entries.append(Entry(key, PRODUCED[key], producers[key], consumers, announcing))
    for svc, subs in sorted(subscriptions.items()):
        missing = [p for p in subs if not any(topic_matches(p, key) for key in producers)]
        if missing:
            cat.unmatched[svc] = missing
    return cat


# -- Markdown ---------------------------------------------------------------------------------------
def _consumer(e: Entry, service: str) -> str:
    return f"**{service}** (announces)" if service in e.announcing else f"**{service}**"


def _type_of(node: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in node:
        return " \\| ".join(_type_of(n, defs) for n in node["anyOf"])
    if "enum" in node:
        return " \\| ".join(json.dumps(v) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"])
    t = node.get("type")
    if t == "array":
        return f"[{_type_of(node.get('items', {}), defs)}]"
    if t == "string" and "format" in node:
        return f"string ({node['format']})"
    return str(t or "any")


def _fields_table(schema: dict[str, Any]) -> list[str]:
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = ["| field | type | required | description |", "|---|---|---|---|"]
    for name, node in schema.get("properties", {}).items():
        desc = str(node.get("description", "")).replace("\n", " ")
        rows.append(f"| `{name}` | {_type_of(node, defs)} | {'yes' if name in required else 'no'} | {desc} |")
    for def_name, d in sorted(defs.items()):
        rows.append("")
        rows.append(f"`{def_name}`: " + ", ".join(
            f"`{n}`: {_type_of(p, defs)}" for n, p in d.get("properties", {}).items()))
    return rows


def render_markdown(cat: Catalogue) -> str:
    out = [
        "# Event catalogue",
        "",
        "Generated from the code by `python -m kabinet.events.catalogue` (`make docs`); do not edit by hand.",
        "A test fails when this file and the contracts disagree. The same catalogue as AsyncAPI 2.6:",
        "[asyncapi.json](asyncapi.json).",
        "",
        f"All events go to the topic exchange `{EXCHANGE}` with routing key `<type>.v<version>`, persistent,",
        "as JSON in the envelope below (the envelope `id` is also the AMQP `message_id`). Each consumer has a",
        "durable quorum queue with a delivery limit and its own dead-letter queue (in the embedded mode, the",
        "in-process bus keeps a consumer's dead letters in its own database: [messaging.md](messaging.md));",
        "consumers are idempotent (inbox) and read payloads tolerantly (unknown fields are ignored), so adding a",
        "field is compatible and anything else is a new version.",
        "",
        "| envelope field | type | meaning |",
        "|---|---|---|",
        "| `id` | string (uuid) | event id; consumers deduplicate on it |",
        "| `type` | string | `<producer>.<aggregate>.<event>` |",
        "| `version` | integer | contract version (the `.vN` of the routing key) |",
        "| `occurred_at` | string (date-time) | when the producer committed it (UTC) |",
        "| `producer` | string | the service that published it |",
        "| `correlation_id` | string \\| null | the request that started the chain |",
        "| `causation_id` | string \\| null | the event that caused this one, if any |",
        "| `traceparent` | string, optional | W3C trace context of the span that produced it (only when tracing "
        "is on; see docs/operations.md) |",
        "| `changed_ids` | array of strings, optional | the ids the payload names as changed: all but its "
        "context fields' (only on an event that has context fields; see below) |",
        "| `payload` | object | the contract below |",
        "",
        "**Wire format: one event, or a batch.** A message carries one envelope (content type `application/json`,",
        "`message_id` = the envelope `id`), or several envelopes of the same routing key published together (the",
        "outbox relay's batch): content type `application/vnd.kabinet.events+json`, header `x-kabinet-events: n`,",
        "`message_id` = `batch-<first envelope id>`, body a JSON array of the envelopes as above, in publish order.",
        "Producers batch up to `EVENTS_PER_MESSAGE` events (default 100; 1 = one event a message) and",
        "`MESSAGE_MAX_BYTES` of body (default 256 KiB; a bigger envelope goes alone). Every reader must accept",
        "both (`kabinet.bus.wire.decode`): the consumers apply and dedupe each event on its own and ack the",
        "message once all its events are settled; a bad event inside a batch is dead-lettered alone, as a",
        "single-event message with header `x-kabinet-dead-letter-reason` (`rejected` or `delivery_limit`).",
        "",
        "*Context fields* name an entity only as where or by whom (a mark's branch): the event changes no field",
        "of it. Caches (the gateway's entity cache) drop what the other ids name, and only answers keyed by a",
        "context id (a branch's report).",
        "",
        "A consumer marked *announces* publishes every change it makes to its own answers on the event as events",
        "of its own: caches drop its answers on those, not on the event it consumes.",
        "",
        f"Services in this catalogue: {', '.join(cat.services_found) or 'none'}"
        + (f"; not present yet: {', '.join(cat.services_missing)}." if cat.services_missing else "."),
        "",
        "## Index",
        "",
        "| routing key | producer | consumers |",
        "|---|---|---|",
    ]
    for e in cat.entries:
        anchor = e.routing_key.replace(".", "")
        out.append(f"| [`{e.routing_key}`](#{anchor}) | {e.producer} | {', '.join(e.consumers) or '—'} |")
    for e in cat.entries:
        c = e.contract
        out += [
            "",
            f"## {e.routing_key}",
            "",
            (c.description or (c.__doc__ or "").strip() or "(no description)"),
            "",
            f"- producer: **{e.producer}** (`{c.__module__}.{c.__qualname__}`)",
            f"- consumers: {', '.join(_consumer(e, x) for x in e.consumers) or 'none yet (kept in the archive queue)'}",
            *([f"- context fields: {', '.join(f'`{n}`' for n in sorted(c.context_fields))}"]
              if c.context_fields else []),
            "",
            *_fields_table(c.model_json_schema()),
        ]
    if cat.unmatched:
        out += ["", "## Subscriptions without a producer contract", "",
                "A consumer reads these, but no service in this catalogue declares them (yet).", ""]
        for svc, keys in cat.unmatched.items():
            out.append(f"- {svc}: {', '.join(f'`{k}`' for k in keys)}")
    return "\n".join(out) + "\n"


# -- AsyncAPI ---------------------------------------------------------------------------------------
def _message_name(e: Entry) -> str:
    return e.routing_key.replace(".", "_")


def render_asyncapi(cat: Catalogue, exchange: str = EXCHANGE) -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Envelope": {
            "type": "object",
            "required": ["id", "type", "version", "occurred_at", "producer", "payload"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "type": {"type": "string"},
                "version": {"type": "integer"},
                "occurred_at": {"type": "string", "format": "date-time"},
                "producer": {"type": "string"},
                "correlation_id": {"type": ["string", "null"]},
                "causation_id": {"type": ["string", "null"]},
                "traceparent": {"type": "string"},
                "changed_ids": {"type": "array", "items": {"type": "string"}},
                "payload": {"type": "object"},
            },
        }
    }
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    for e in cat.entries:
        # Nested models are namespaced by producer: two services may both have a "MoneyPayload".
        payload = e.contract.model_json_schema(ref_template=f"#/components/schemas/{e.producer}.{{model}}")
        schemas.update({f"{e.producer}.{k}": v for k, v in payload.pop("$defs", {}).items()})
        name = _message_name(e)
        schemas[f"{name}_payload"] = payload
        messages[name] = {
            "name": e.routing_key,
            "title": e.contract.__name__,
            "summary": e.contract.description or e.routing_key,
            "contentType": "application/json",
            "payload": {"allOf": [{"$ref": "#/components/schemas/Envelope"}, {
                "type": "object",
                "properties": {
                    "type": {"const": e.contract.event_type},
                    "version": {"const": e.contract.event_version},
                    "producer": {"const": e.producer},
                    "payload": {"$ref": f"#/components/schemas/{name}_payload"},
                },
            }]},
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": e.routing_key, "bindingVersion": "0.2.0"}},
            "x-producer": e.producer,
            "x-consumers": list(e.consumers),
        }
        # Several of them in one AMQP message (kabinet.bus.wire; the relay's batches).
        messages[f"{name}_batch"] = {
            "name": f"{e.routing_key} (batch)",
            "title": f"{e.contract.__name__} batch",
            "summary": f"Several {e.routing_key} envelopes in one message, in publish order",
            "contentType": BATCH_CONTENT_TYPE,
            "headers": {"type": "object", "properties": {EVENTS_HEADER: {"type": "integer", "minimum": 2}}},
            "payload": {"type": "array", "minItems": 2,
                        "items": {"$ref": f"#/components/messages/{name}/payload"}},
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": e.routing_key, "bindingVersion": "0.2.0"}},
        }
        channels[e.routing_key] = {
            "description": e.contract.description or e.routing_key,
            "subscribe": {
                "operationId": f"on_{name}",
                "summary": f"{e.producer} publishes {e.routing_key}",
                "message": {"oneOf": [{"$ref": f"#/components/messages/{name}"},
                                      {"$ref": f"#/components/messages/{name}_batch"}]},
                "bindings": {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": "0.2.0"}},
            },
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": exchange, "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"},
                "bindingVersion": "0.2.0",
            }},
        }
    return {
        "asyncapi": "2.6.0",
        "id": "urn:kabinet:events",
        "info": {
            "title": "Kabinet events",
            "version": "1.0.0",
            "description": "Events the Kabinet services publish, generated from their contracts. "
                           "Subscribe by binding a queue to the exchange with a routing key or topic pattern. "
                           "A message carries one envelope (application/json) or a batch of several of the same "
                           f"routing key ({BATCH_CONTENT_TYPE}: a JSON array; header {EVENTS_HEADER}); "
                           "consumers must accept both.",
        },
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"url": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0-9-1"}},
        "channels": channels,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def write(cat: Catalogue, out: Path | None, asyncapi: Path | None) -> list[Path]:
    """Write the files whose content changed; returns them."""
    changed: list[Path] = []
    targets: list[tuple[Path | None, str]] = [
        (out, render_markdown(cat)),
        (asyncapi, json.dumps(render_asyncapi(cat), indent=2, sort_keys=False) + "\n"),
    ]
    for path, text in targets:
        if path is None:
            continue
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Iterable[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m kabinet.events.catalogue", description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, help="Markdown catalogue, e.g. docs/events.md")
    p.add_argument("--asyncapi", type=Path, help="AsyncAPI 2.6 JSON, e.g. docs/asyncapi.json")
    p.add_argument("--services", default=",".join(SERVICES), help="comma-separated service packages")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files are out of date")
    args = p.parse_args(list(argv) if argv is not None else None)
    cat = collect([s for s in args.services.split(",") if s])
    if args.check:
        stale = [path for path, text in ((args.out, render_markdown(cat)),
                                         (args.asyncapi, json.dumps(render_asyncapi(cat), indent=2) + "\n"))
                 if path is not None and (not path.exists() or path.read_text(encoding="utf-8") != text)]
        for path in stale:
            print(f"{path} is out of date: run make docs", file=sys.stderr)
        raise SystemExit(1 if stale else 0)
    if args.out is None and args.asyncapi is None:
        sys.stdout.write(render_markdown(cat))
        return
    for path in write(cat, args.out, args.asyncapi):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
