"""kustomize patches: targets, strategic merge (with patch merge keys) and JSON 6902."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from .facts import Obj


class KustomizeError(Exception):
    pass


# patchMergeKey of the list fields we patch (from the Kubernetes API's x-kubernetes-patch-merge-key).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
    "topologySpreadConstraints": "topologyKey",
}


def matches_target(obj: Obj, target: dict[str, Any]) -> bool:
    group, _, version = obj["apiVersion"].rpartition("/")
    checks = {
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "namespace": obj["metadata"].get("namespace", ""),
        "group": group,
        "version": version,
    }
    for key, actual in checks.items():
        if key in target and not re.fullmatch(str(target[key]), actual):
            return False
    if "labelSelector" in target:
        labels = obj["metadata"].get("labels", {})
        for term in str(target["labelSelector"]).split(","):
            key, _, value = term.partition("=")
            if labels.get(key.strip()) != value.strip():
                return False
    return True


def apply_patch(objects: list[Obj], entry: dict[str, Any], directory: Path) -> None:
    if "path" in entry:
        docs = list(yaml.safe_load_all((directory / entry["path"]).read_text()))
        docs = [d for d in docs if d is not None]
        if len(docs) != 1:
            raise KustomizeError(f"patch {entry['path']}: `patches` takes exactly one document per file")
        patch = docs[0]
    else:
        patch = yaml.safe_load(entry["patch"])
    target = entry.get("target")
    if isinstance(patch, list):  # JSON 6902
        if not target:
            raise KustomizeError("a JSON 6902 patch needs a target")
        hits = [o for o in objects if matches_target(o, target)]
        if not hits:
            raise KustomizeError(f"JSON 6902 patch target {target} matches nothing")
        for obj in hits:
            json6902(obj, patch)
        return
    if target:
        hits = [o for o in objects if matches_target(o, target)]
    else:
        hits = [
            o
            for o in objects
            if o["kind"] == patch["kind"]
            and o["metadata"]["name"] == patch["metadata"]["name"]
            and o["apiVersion"].split("/")[0] == patch.get("apiVersion", o["apiVersion"]).split("/")[0]
        ]
    if not hits:
        raise KustomizeError(f"strategic merge patch matches nothing: {patch.get('kind')}/{patch['metadata']}")
    for obj in hits:
        merged = strategic_merge(obj, patch)
        if target:  # a targeted patch keeps the target's identity
            merged["metadata"]["name"] = obj["metadata"]["name"]
        obj.clear()
        obj.update(merged)


def strategic_merge(base: Any, patch: Any) -> Any:
    """Kubernetes strategic merge patch for maps, null deletion, `$patch: replace|delete` and keyed lists."""
    if not (isinstance(base, dict) and isinstance(patch, dict)):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            out.pop(key, None)
        elif key in out and isinstance(out[key], list) and isinstance(value, list):
            out[key] = merge_list(key, out[key], value)
        elif key in out:
            out[key] = strategic_merge(out[key], value)
        else:
            out[key] = strip_directives(value)
    return out


def strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [strip_directives(v) for v in value]
    return copy.deepcopy(value)


def merge_list(field: str, base: list[Any], patch: list[Any]) -> list[Any]:
    key = MERGE_KEYS.get(field)
    if field == "ports":  # container ports merge on containerPort, Service ports on port
        items = [i for i in base + patch if isinstance(i, dict)]
        key = "containerPort" if any("containerPort" in i for i in items) else "port"
    if key is None or not all(isinstance(i, dict) for i in base + patch):
        return copy.deepcopy(patch)  # lists without a merge key are replaced
    out = copy.deepcopy(base)
    for item in patch:
        index = next((n for n, existing in enumerate(out) if existing.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del out[index]
        elif index is None:
            out.append(strip_directives(item))
        else:
            out[index] = strategic_merge(out[index], item)
    return out


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise KustomizeError(f"bad JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def json6902(obj: Obj, operations: list[dict[str, Any]]) -> None:
    for op in operations:
        parts = _pointer(op["path"])
        try:
            parent = _walk(obj, parts[:-1])
        except (KeyError, IndexError, ValueError) as exc:
            raise KustomizeError(f"JSON 6902 {op['op']} {op['path']}: parent missing in {obj['kind']}") from exc
        last = parts[-1]
        kind = op["op"]
        if kind == "add":
            if isinstance(parent, list):
                parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op["value"]))
            else:
                parent[last] = copy.deepcopy(op["value"])
        elif kind in ("replace", "remove", "test"):
            exists = (int(last) < len(parent)) if isinstance(parent, list) else last in parent
            if not exists:
                raise KustomizeError(f"JSON 6902 {kind} {op['path']}: no such member in {obj['kind']}")
            if kind == "replace":
                parent[int(last) if isinstance(parent, list) else last] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[int(last) if isinstance(parent, list) else last]
            elif parent[int(last) if isinstance(parent, list) else last] != op["value"]:
                raise KustomizeError(f"JSON 6902 test {op['path']} failed")
        else:
            raise KustomizeError(f"JSON 6902 op {kind!r} not implemented")
