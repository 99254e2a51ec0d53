"""A minimal kustomize renderer for what deploy/k8s uses.

Loaded by conftest.py as the module ``kabinet_deploy_support`` (the tests run with --import-mode=importlib,
so sibling modules are not importable by name).

Patches are in patches.py."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .facts import K8S, SERVICES, Obj
from .patches import KustomizeError, apply_patch

SUPPORTED_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "commonLabels",
    "replicas",
    "images",
    "secretGenerator",
    "generatorOptions",
    "patches",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}
WORKLOADS_WITH_SELECTOR = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}
WORKLOADS_WITH_TEMPLATE = WORKLOADS_WITH_SELECTOR | {"Job"}
REPLICATED = {"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"}





def read_docs(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def object_id(obj: Obj) -> tuple[str, str, str, str]:
    md = obj.get("metadata", {})
    return (obj.get("apiVersion", "").split("/")[0], obj["kind"], md.get("namespace", ""), md["name"])


OPERATOR_SUPPLIED = "<supplied by the operator>"


def generated_secrets(k: Obj, directory: Path, *, strict: bool) -> list[Obj]:
    """The Secrets of ``secretGenerator`` (``files`` entries: ``KEY=path`` or ``path``)."""
    entries = k.get("secretGenerator", [])
    if entries and not (k.get("generatorOptions") or {}).get("disableNameSuffixHash"):
        raise KustomizeError(f"{directory}: secretGenerator without disableNameSuffixHash is not implemented")
    secrets = []
    for entry in entries:
        unknown = set(entry) - {"name", "files", "type"}
        if unknown:
            raise KustomizeError(f"{directory}: secretGenerator fields not implemented: {sorted(unknown)}")
        data: dict[str, str] = {}
        for item in entry.get("files", []):
            key, _, rel = item.rpartition("=")
            path = (directory / rel).resolve()
            if not path.is_relative_to(directory.resolve()):
                raise KustomizeError(f"{directory}: {rel} is outside the kustomization root")
            if path.is_file():
                data[key or path.name] = path.read_text()
            elif strict:
                raise KustomizeError(f"{directory}: secretGenerator {entry['name']}: {rel} does not exist")
            else:
                data[key or path.name] = OPERATOR_SUPPLIED
        secrets.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": entry["name"]},
                        "type": entry.get("type", "Opaque"),  # kustomize prints base64 `data`
                        "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}})
    return secrets


# What an operator puts in deploy/k8s/base/secrets/ (file name -> value), for builds in a temporary copy.
SAMPLE_OPERATOR_FILES = {
    **{f"{app}-database-url": f"postgresql+asyncpg://{app}:pw-{app}@pg.example:5432/{app}" for app in SERVICES},
    "amqp-url": "amqps://kabinet:pw-broker@mq.example:5671/kabinet",
    "jwt-private-key.pem": "-----BEGIN PRIVATE KEY-----\nsample\n-----END PRIVATE KEY-----\n",
    "billing-payment-webhook-secret": "from-the-provider-0123456789",
    "gateway-secret": "0123456789abcdef" * 4,
}


def operator_secret_files(k8s: Path = K8S) -> list[str]:
    """The files under base/secrets/ that base/kustomization.yaml's secretGenerator reads, in order."""
    k = yaml.safe_load((k8s / "base" / "kustomization.yaml").read_text())
    return [item.rpartition("=")[2].removeprefix("secrets/") for e in k.get("secretGenerator", [])
            for item in e.get("files", [])]


def k8s_copy(tmp_path: Path, *, supplied: Iterable[str] = ()) -> Path:
    """deploy/k8s copied under tmp_path without any file an operator may have created locally, then with the
    ``supplied`` operator files written (SAMPLE_OPERATOR_FILES' values)."""
    copied = tmp_path / "k8s"
    shutil.copytree(K8S, copied)
    secrets = copied / "base" / "secrets"
    for f in secrets.glob("*"):
        if f.name != ".gitignore":
            f.unlink()
    for name in supplied:
        (secrets / name).write_text(SAMPLE_OPERATOR_FILES[name])
    return copied


def render(directory: Path, *, strict: bool = False) -> list[Obj]:
    """The objects `kustomize build directory` would print (for the features deploy/k8s uses)."""
    kfile = directory / "kustomization.yaml"
    if not kfile.is_file():
        raise KustomizeError(f"{directory}: no kustomization.yaml")
    k = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(k) - SUPPORTED_FIELDS
    if unknown:
        raise KustomizeError(f"{kfile}: fields the test renderer does not implement: {sorted(unknown)}")

    objects: list[Obj] = []
    for entry in k.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            objects += render(path, strict=strict)
        elif path.is_file():
            objects += read_docs(path)
        else:
            raise KustomizeError(f"{kfile}: resource {entry!r} does not exist")
    objects += generated_secrets(k, directory, strict=strict)
    seen: set[tuple[str, str, str, str]] = set()
    for obj in objects:
        oid = object_id(obj)
        if oid in seen:
            raise KustomizeError(f"{kfile}: duplicate object {oid}")
        seen.add(oid)

    for patch in k.get("patches", []):
        apply_patch(objects, patch, directory)
    if "namespace" in k:
        set_namespace(objects, k["namespace"])
    if k.get("commonLabels"):
        add_labels(objects, k["commonLabels"], selectors=True, templates=True)
    for entry in k.get("labels", []):
        selectors = bool(entry.get("includeSelectors", False))
        add_labels(objects, entry["pairs"], selectors=selectors, templates=selectors or entry.get("includeTemplates"))
    for entry in k.get("replicas", []):
        set_replicas(objects, entry["name"], int(entry["count"]))
    for entry in k.get("images", []):
        set_image(objects, entry)
    return objects


def set_namespace(objects: list[Obj], namespace: str) -> None:
    for obj in objects:
        if obj["kind"] == "Namespace":
            obj["metadata"]["name"] = namespace  # kustomize renames Namespace objects too
        elif obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace


def pod_templates(obj: Obj) -> Iterator[Obj]:
    """The pod template metadata+spec holders of a workload object."""
    spec = obj.get("spec", {})
    if obj["kind"] in WORKLOADS_WITH_TEMPLATE and "template" in spec:
        yield spec["template"]
    elif obj["kind"] == "CronJob":
        yield spec["jobTemplate"]["spec"]["template"]
    elif obj["kind"] == "Pod":
        yield obj


def add_labels(objects: list[Obj], pairs: dict[str, str], *, selectors: bool, templates: bool) -> None:
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if templates:
            for template in pod_templates(obj):
                if template is not obj:
                    template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if selectors:
            kind, spec = obj["kind"], obj.get("spec", {})
            if kind == "Service":
                spec.setdefault("selector", {}).update(pairs)
            elif kind in WORKLOADS_WITH_SELECTOR or kind == "PodDisruptionBudget":
                spec.setdefault("selector", {}).setdefault("matchLabels", {}).update(pairs)


def set_replicas(objects: list[Obj], name: str, count: int) -> None:
    matched = [o for o in objects if o["kind"] in REPLICATED and o["metadata"]["name"] == name]
    if not matched:
        raise KustomizeError(f"replicas: no workload named {name!r}")
    for obj in matched:
        obj["spec"]["replicas"] = count


def split_image(image: str) -> tuple[str, str | None, str | None]:
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def containers_of(obj: Obj) -> Iterator[Obj]:
    for template in pod_templates(obj):
        spec = template.get("spec", {})
        yield from spec.get("initContainers", [])
        yield from spec.get("containers", [])


def set_image(objects: list[Obj], entry: dict[str, str]) -> None:
    for obj in objects:
        for c in containers_of(obj):
            name, tag, digest = split_image(c["image"])
            if name != entry["name"]:
                continue
            new = entry.get("newName", name)
            if entry.get("digest"):
                c["image"] = f"{new}@{entry['digest']}"
            elif entry.get("newTag"):
                c["image"] = f"{new}:{entry['newTag']}"
            else:
                c["image"] = new + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
