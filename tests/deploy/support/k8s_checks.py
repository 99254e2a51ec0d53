"""Cross-checks of rendered manifests (probes, services, env, security, autoscaling, wiring) and
the Kubernetes schemas."""

from __future__ import annotations

from urllib.parse import urlsplit

from .facts import APPS, K8S_VERSION, SERVICES, Obj, parse_subgraphs
from .kustomize import containers_of, pod_templates, split_image


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
