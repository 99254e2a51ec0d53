"""docs/events.md and docs/asyncapi.json are what the code says (regenerate with `make docs`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kabinet.events.catalogue import SERVICES, collect, render_asyncapi, render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_event_catalogue_is_up_to_date():
    cat = collect(SERVICES)  # services not written yet are skipped, not errors
    committed = (DOCS / "events.md").read_text(encoding="utf-8") if (DOCS / "events.md").exists() else ""
    assert committed == render_markdown(cat), "docs/events.md is out of date with the contracts: run `make docs`"
    committed_api = (DOCS / "asyncapi.json").read_text(encoding="utf-8") if (DOCS / "asyncapi.json").exists() else ""
    assert committed_api == json.dumps(render_asyncapi(cat), indent=2) + "\n", \
        "docs/asyncapi.json is out of date: run `make docs`"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_asyncapi_document_is_consistent():
    cat = collect(SERVICES)
    doc = render_asyncapi(cat)
    assert doc["asyncapi"] == "2.6.0" and doc["info"]["title"] and doc["channels"].keys() == {
        e.routing_key for e in cat.entries}
    for ref in _refs(doc):  # every $ref points at something in the document
        node: Any = doc
        assert ref.startswith("#/"), ref
        for part in ref[2:].split("/"):
            assert part in node, f"dangling {ref}"
            node = node[part]
    for entry in cat.entries:
        assert entry.routing_key == f"{entry.contract.event_type}.v{entry.contract.event_version}"
        assert entry.producer == entry.routing_key.split(".", 1)[0], "routing key must start with its producer"


def test_missing_services_are_skipped():
    cat = collect(("no_such_service_xyz",))
    assert cat.entries == [] and cat.services_missing == ["no_such_service_xyz"]
    assert "not present yet: no_such_service_xyz" in render_markdown(cat)


def test_context_fields_are_fields_of_their_contract():
    for entry in collect(SERVICES).entries:
        unknown = entry.contract.context_fields - set(entry.contract.model_fields)
        assert not unknown, f"{entry.routing_key}: context fields {unknown} are not in the payload"
