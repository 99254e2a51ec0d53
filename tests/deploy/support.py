"""Helpers for the offline deployment tests: repository facts, a minimal kustomize renderer, and cross-checks.

Loaded by conftest.py as the module ``kabinet_deploy_support`` (the tests run with --import-mode=importlib,
so sibling modules are not importable by name).

The renderer implements the subset of kustomize that deploy/k8s uses, with kustomize's semantics:
``resources`` (files and directories), ``namespace`` (renaming Namespace objects, as kustomize does),
``labels`` (``pairs``/``includeSelectors``/``includeTemplates``), ``commonLabels``, ``replicas``, ``images``
and ``patches`` (strategic merge, matched by kind+name or by ``target``; JSON 6902 with ``target``), and
``secretGenerator`` with ``files`` (``generatorOptions.disableNameSuffixHash: true`` required, so names match
kustomize's output exactly). Any other kustomization field is an error, so the renderer never silently ignores
something kustomize would apply. A generator's file that the operator has not created yet is an error with
``strict=True`` (as in kustomize); otherwise the Secret gets OPERATOR_SUPPLIED as its value, so the rest of
the manifests can be checked in a checkout that has no secrets.
"""

from __future__ import annotations

import base64
import copy
import re
import shutil
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKER = DEPLOY / "docker"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"
POSTGRES_INIT = DOCKER / "postgres-init.sh"

# The fixed facts (the lead's list): service -> port. The gateway is not a "service" (no database).
SERVICES: dict[str, int] = {"identity": 8001, "scheduling": 8002, "billing": 8003, "learning": 8004}
GATEWAY_PORT = 8000
APPS: dict[str, int] = {**SERVICES, "gateway": GATEWAY_PORT}
SUBCOMMANDS = {"serve", "migrate"}

K8S_VERSION = "1.30.0"
OVERLAYS = ("dev", "prod")

Obj = dict[str, Any]


# ------------------------------------------------------------------------------------------------- repository


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def workspace_members() -> dict[str, Path]:
    """Package name -> member directory, from the root pyproject's [tool.uv.workspace] members globs."""
    root = load_toml(ROOT / "pyproject.toml")
    members: dict[str, Path] = {}
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for directory in sorted(ROOT.glob(pattern)):
            manifest = directory / "pyproject.toml"
            if manifest.is_file():
                members[load_toml(manifest)["project"]["name"]] = directory
    return members


def console_scripts(package: str) -> dict[str, str]:
    return load_toml(workspace_members()[package] / "pyproject.toml")["project"].get("scripts", {})


def entry_point_module_file(package: str, script: str) -> Path:
    """The source file of a console script's module (``identity.cli:main`` -> .../src/identity/cli.py)."""
    module = console_scripts(package)[script].split(":")[0]
    base = workspace_members()[package] / "src" / Path(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def service_directories() -> set[str]:
    return {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}


def port_default_in_code(app: str) -> int | None:
    """The port default declared in the app's settings module, if the code exists yet."""
    base = ROOT / "gateway" if app == "gateway" else ROOT / "services" / app
    candidates = [base / "src" / app / "settings.py", base / "src" / app / "config.py"]
    pattern = re.compile(r"^\s*port\s*:\s*int\s*=\s*(?:Field\(\s*(?:default\s*=\s*)?)?(\d+)", re.MULTILINE)
    for path in candidates:
        if path.is_file() and (m := pattern.search(path.read_text())):
            return int(m.group(1))
    return None


def postgres_init() -> tuple[set[str], dict[str, str], dict[str, str]]:
    """(databases, role -> the environment variable holding its password, database -> owner) created by
    deploy/docker/postgres-init.sh: the SQL it pipes into psql, whose ``:'var'`` is bound by ``-v var="$ENV"``."""
    script = POSTGRES_INIT.read_text()
    sql = re.sub(r"--[^\n]*", "", script)
    databases: dict[str, str] = {}
    for m in re.finditer(r"CREATE\s+DATABASE\s+(\w+)(?:\s+(?:WITH\s+)?OWNER\s*=?\s*(\w+))?", sql, re.I):
        databases[m.group(1)] = m.group(2) or "postgres"
    bound = {m.group(1): m.group(2) for m in re.finditer(r'-v\s+(\w+)="\$\{?([A-Za-z_]\w*)\}?"', script)}
    roles = {
        m.group(1): bound.get(m.group(2), f"<unbound psql variable {m.group(2)}>")
        for m in re.finditer(r"CREATE\s+(?:ROLE|USER)\s+(\w+)[^;]*?PASSWORD\s+:'(\w+)'", sql, re.I)
    }
    return set(databases), roles, databases


def database_url_parts(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "scheme": parts.scheme,
        "user": parts.username,
        "password": parts.password,
        "host": parts.hostname,
        "port": parts.port,
        "database": parts.path.lstrip("/"),
    }


def parse_subgraphs(value: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
    return {name.strip(): url.strip() for name, url in pairs}


# ------------------------------------------------------------------------------------------------- compose


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    # SafeLoader resolves anchors and `<<` merge keys the way docker compose does.
    return yaml.safe_load(path.read_text())


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def find_cycle(graph: dict[str, Iterable[str]]) -> list[str] | None:
    """A dependency cycle as a node path (first node repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if state.get(node) is None and (found := visit(node)):
            return found
    return None


def expand_compose_default(value: str) -> str:
    """Resolve ${VAR:-default} / ${VAR-default} to the default (what compose uses with VAR unset)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's interpolation for the forms the file uses: ${X:?msg} fails when X is unset or empty."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2) or "", m.group(3) or ""
        got = env.get(name, "")
        if op in (":?", "?") and not got:
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        if op in (":-", "-") and not got:
            return arg
        return got

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}", one, value)


def with_sample_values(value: str) -> str:
    """Interpolate with every referenced variable set to ``value-of-<NAME>``: what parsers of the file see."""
    names = re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", value)
    return interpolate(value, {name: f"value-of-{name}" for name in names})


# ------------------------------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    out: list[tuple[str, str]] = []
    buf = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def dockerignored(relpath: str, patterns: list[str]) -> bool:
    """Whether .dockerignore excludes relpath (Go filepath.Match plus `**`, trailing-slash and `!` rules)."""
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.strip("/")
        regex = "^"
        i = 0
        while i < len(pat):
            if pat.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pat.startswith("**", i):
                regex += ".*"
                i += 2
            elif pat[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pat[i] == "?":
                regex += "[^/]"
                i += 1
            elif pat[i] == "[":
                j = pat.index("]", i)
                regex += pat[i : j + 1]
                i = j + 1
            else:
                regex += re.escape(pat[i])
                i += 1
        # a pattern matching a directory excludes everything below it
        if re.match(regex + "(?:/.*)?$", relpath):
            excluded = not negate
    return excluded


# ------------------------------------------------------------------------------------------------- kustomize

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


class KustomizeError(Exception):
    pass


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


# ------------------------------------------------------------------------------------------------- k8s checks


def by_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def find(objects: list[Obj], kind: str, name: str, namespace: str | None = None) -> Obj | None:
    for obj in objects:
        md = obj["metadata"]
        if obj["kind"] == kind and md["name"] == name and (namespace is None or md.get("namespace") == namespace):
            return obj
    return None


def _resolve_port(container: Obj, port: int | str) -> int | None:
    for p in container.get("ports", []):
        if port in (p.get("name"), p["containerPort"]):
            return int(p["containerPort"])
    return None


def check_probes(objects: list[Obj]) -> list[str]:
    problems = []
    for dep in by_kind(objects, "Deployment"):
        for c in dep["spec"]["template"]["spec"]["containers"]:
            where = f"Deployment {dep['metadata']['name']} container {c['name']}"
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
                get = c.get(probe, {}).get("httpGet")
                if not get:
                    problems.append(f"{where}: no {probe} httpGet")
                    continue
                if get.get("path") != path:
                    problems.append(f"{where}: {probe} path {get.get('path')!r}, want {path!r}")
                if _resolve_port(c, get.get("port")) is None:
                    problems.append(f"{where}: {probe} port {get.get('port')!r} is not a declared containerPort")
    return problems


def check_services(objects: list[Obj]) -> list[str]:
    problems = []
    for svc in by_kind(objects, "Service"):
        name, ns = svc["metadata"]["name"], svc["metadata"].get("namespace")
        selector = svc["spec"].get("selector") or {}
        if not selector:
            problems.append(f"Service {name}: empty selector")
            continue
        backends = [
            d
            for d in by_kind(objects, "Deployment")
            if d["metadata"].get("namespace") == ns
            and selector.items() <= d["spec"]["template"]["metadata"].get("labels", {}).items()
        ]
        if not backends:
            problems.append(f"Service {name}: selector {selector} matches no Deployment's pods")
            continue
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for dep in backends:
                containers = dep["spec"]["template"]["spec"]["containers"]
                if all(_resolve_port(c, target) is None for c in containers):
                    problems.append(
                        f"Service {name}: targetPort {target!r} is not a containerPort of {dep['metadata']['name']}"
                    )
    return problems


def _keys_of(obj: Obj) -> set[str]:
    return set(obj.get("data") or {}) | set(obj.get("stringData") or {}) | set(obj.get("binaryData") or {})


def check_env_references(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in objects:
        ns = obj["metadata"].get("namespace")
        for c in containers_of(obj):
            where = f"{obj['kind']} {obj['metadata']['name']} container {c['name']}"
            refs: list[tuple[str, str, str | None, bool]] = []
            for env in c.get("env", []):
                source = env.get("valueFrom", {})
                for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    if field in source:
                        ref = source[field]
                        refs.append((kind, ref["name"], ref["key"], bool(ref.get("optional"))))
            for env_from in c.get("envFrom", []):
                for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    if field in env_from:
                        ref = env_from[field]
                        refs.append((kind, ref["name"], None, bool(ref.get("optional"))))
            for kind, name, key, optional in refs:
                if optional:
                    continue
                target = find(objects, kind, name, ns)
                if target is None:
                    problems.append(f"{where}: {kind} {name!r} does not exist in namespace {ns!r}")
                elif key is not None and key not in _keys_of(target):
                    problems.append(f"{where}: {kind} {name!r} has no key {key!r}")
    return problems


def check_security(objects: list[Obj]) -> list[str]:
    problems = []
    for obj in objects:
        for template in pod_templates(obj):
            spec = template["spec"]
            where = f"{obj['kind']} {obj['metadata']['name']}"
            if not spec.get("securityContext", {}).get("runAsNonRoot"):
                problems.append(f"{where}: pod securityContext.runAsNonRoot is not true")
            if spec.get("enableServiceLinks", True):
                problems.append(f"{where}: enableServiceLinks must be false (Service env vars shadow <NAME>_PORT)")
            for c in spec["containers"]:
                sc = c.get("securityContext", {})
                if not sc.get("readOnlyRootFilesystem"):
                    problems.append(f"{where}/{c['name']}: readOnlyRootFilesystem is not true")
                if sc.get("allowPrivilegeEscalation", True):
                    problems.append(f"{where}/{c['name']}: allowPrivilegeEscalation is not false")
                resources = c.get("resources", {})
                for part in ("requests", "limits"):
                    if not {"cpu", "memory"} <= set(resources.get(part, {})):
                        problems.append(f"{where}/{c['name']}: resources.{part} needs cpu and memory")
                if split_image(c["image"])[1] in (None, "latest") and "@" not in c["image"]:
                    problems.append(f"{where}/{c['name']}: image {c['image']!r} is not pinned to a tag")
    return problems


def check_autoscaling(objects: list[Obj]) -> list[str]:
    problems = []
    for hpa in by_kind(objects, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        target = find(objects, ref["kind"], ref["name"], hpa["metadata"].get("namespace"))
        if target is None:
            problems.append(f"HPA {hpa['metadata']['name']}: target {ref['kind']}/{ref['name']} does not exist")
            continue
        if "replicas" in target["spec"]:
            problems.append(f"HPA {hpa['metadata']['name']}: {ref['name']} sets spec.replicas (fights the HPA)")
        if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
            problems.append(f"HPA {hpa['metadata']['name']}: minReplicas > maxReplicas")
        for c in target["spec"]["template"]["spec"]["containers"]:
            if "cpu" not in c.get("resources", {}).get("requests", {}):
                problems.append(f"HPA {hpa['metadata']['name']}: container {c['name']} has no cpu request")
    for pdb in by_kind(objects, "PodDisruptionBudget"):
        selector = pdb["spec"]["selector"]["matchLabels"]
        if not any(
            selector.items() <= d["spec"]["template"]["metadata"].get("labels", {}).items()
            for d in by_kind(objects, "Deployment")
        ):
            problems.append(f"PDB {pdb['metadata']['name']}: selector {selector} matches no Deployment's pods")
    return problems


def container_env(container: Obj) -> dict[str, Obj]:
    return {e["name"]: e for e in container.get("env", [])}


def check_apps(objects: list[Obj]) -> list[str]:
    """One Deployment + Service per app on its fixed port; one migration Job per service, same image."""
    problems = []
    deployments = {d["metadata"]["name"]: d for d in by_kind(objects, "Deployment")}
    if set(deployments) != set(APPS):
        problems.append(f"Deployments {sorted(deployments)} != apps {sorted(APPS)}")
    for app, port in APPS.items():
        dep = deployments.get(app)
        svc = find(objects, "Service", app)
        if dep is None or svc is None:
            problems.append(f"{app}: Deployment or Service missing")
            continue
        (c,) = dep["spec"]["template"]["spec"]["containers"]
        if [p["containerPort"] for p in c.get("ports", [])] != [port]:
            problems.append(f"{app}: containerPort {c.get('ports')} != {port}")
        if c.get("args") != ["serve"]:
            problems.append(f"{app}: args {c.get('args')} != ['serve']")
        if container_env(c).get(f"{app.upper()}_PORT", {}).get("value") != str(port):
            problems.append(f"{app}: env {app.upper()}_PORT != {port}")
        if [p["port"] for p in svc["spec"]["ports"]] != [port]:
            problems.append(f"{app}: Service port != {port} (GATEWAY_SUBGRAPHS and JWKS_URL use it)")
        annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/port") != str(port):
            problems.append(f"{app}: prometheus.io/port annotation != {port}")
    for service in SERVICES:
        job = find(objects, "Job", f"{service}-migrate")
        dep = deployments.get(service)
        if job is None:
            problems.append(f"{service}: migration Job {service}-migrate missing")
            continue
        (jc,) = job["spec"]["template"]["spec"]["containers"]
        if jc.get("args") != ["migrate"]:
            problems.append(f"{service}-migrate: args {jc.get('args')} != ['migrate']")
        if job["spec"]["template"]["spec"].get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append(f"{service}-migrate: restartPolicy must be Never or OnFailure")
        if dep is not None:
            (dc,) = dep["spec"]["template"]["spec"]["containers"]
            if jc["image"] != dc["image"]:
                problems.append(f"{service}-migrate: image {jc['image']} != Deployment image {dc['image']}")
            url = f"{service.upper()}_DATABASE_URL"
            if container_env(jc).get(url) != container_env(dc).get(url) or url not in container_env(dc):
                problems.append(f"{service}-migrate: {url} differs from (or is missing in) the Deployment")
    return problems


def check_wiring(objects: list[Obj]) -> list[str]:
    """GATEWAY_SUBGRAPHS and JWKS_URL point at real Services and ports; the private key stays in identity."""
    problems = []
    config = {}
    for cm in by_kind(objects, "ConfigMap"):
        config.update(cm.get("data", {}))
    subgraphs = parse_subgraphs(config.get("GATEWAY_SUBGRAPHS", ""))
    if set(subgraphs) != set(SERVICES):
        problems.append(f"GATEWAY_SUBGRAPHS names {sorted(subgraphs)} != services {sorted(SERVICES)}")
    urls = dict(subgraphs)
    if "JWKS_URL" in config:
        urls["jwks"] = config["JWKS_URL"]
    else:
        problems.append("JWKS_URL missing from the ConfigMaps")
    for label, url in urls.items():
        parts = urlsplit(url)
        svc = find(objects, "Service", parts.hostname or "")
        if svc is None:
            problems.append(f"{label}: {url} names no Service")
        elif parts.port not in [p["port"] for p in svc["spec"]["ports"]]:
            problems.append(f"{label}: {url} uses a port the Service {parts.hostname} does not expose")
    for obj in objects:
        for c in containers_of(obj):
            if "IDENTITY_JWT_PRIVATE_KEY" in container_env(c) and c["name"] != "identity":
                problems.append(f"{obj['kind']} {obj['metadata']['name']}: gets the identity private key")
    return problems


def all_k8s_problems(objects: list[Obj]) -> list[str]:
    return [
        *check_probes(objects),
        *check_services(objects),
        *check_env_references(objects),
        *check_security(objects),
        *check_autoscaling(objects),
        *check_apps(objects),
        *check_wiring(objects),
    ]


def kubernetes_errors(objects: list[Obj], version: str = K8S_VERSION) -> list[str]:
    """Schema errors of every object against the strict Kubernetes JSON schemas shipped by kubernetes-validate."""
    import kubernetes_validate

    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{obj['kind']}/{obj['metadata'].get('name')}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata'].get('name')}: {exc.message}")
    return errors


# ------------------------------------------------------------------------------------------------- settings

SETTINGS_CLASSES = {
    "identity": "identity.settings:IdentitySettings",
    "scheduling": "scheduling.settings:SchedulingSettings",
    "billing": "billing.settings:BillingSettings",
    "learning": "learning.settings:LearningSettings",
    "gateway": "gateway.config:GatewaySettings",
}


def settings_env_names(app: str) -> set[str] | None:
    """Every environment variable the app's pydantic settings read (nested settings included), or None
    when the settings class is not written yet."""
    import importlib

    from pydantic import AliasChoices
    from pydantic_settings import BaseSettings

    module_name, _, class_name = SETTINGS_CLASSES[app].partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None

    names: set[str] = set()

    def collect(model: type[BaseSettings]) -> None:
        prefix = str(model.model_config.get("env_prefix", "")).upper()
        for field_name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
                collect(annotation)  # nested settings built by default_factory read their own prefix
                continue
            alias = field.validation_alias
            if isinstance(alias, str):
                names.add(alias.upper())
            elif isinstance(alias, AliasChoices):
                names.update(str(choice).upper() for choice in alias.choices if isinstance(choice, str))
            else:
                names.add(f"{prefix}{field_name}".upper())

    collect(cls)
    return names


def unknown_env_names(app: str, env_names: Iterable[str]) -> list[str] | None:
    """Variables we set for the app that its settings do not read (typos), or None if no settings yet.

    NAME_FILE counts as NAME (the image entrypoint turns it into NAME). The common variables every
    container receives (broker, exchange, JWT) are accepted when the kit's settings read them at all."""
    known = settings_env_names(app)
    if known is None:
        return None
    common = set()
    for other in SETTINGS_CLASSES:
        common |= settings_env_names(other) or set()
    shared = {n for n in common if not any(n.startswith(f"{a.upper()}_") for a in APPS)}
    out = []
    for name in env_names:
        base = name.removesuffix("_FILE")
        if base not in known and base not in shared:
            out.append(name)
    return sorted(out)
