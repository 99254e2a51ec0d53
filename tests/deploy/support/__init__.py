"""Helpers of the offline deployment tests, a module each by what they hold:

- ``facts``: repository facts: paths, the apps and their ports, workspace packages, the database init script.
- ``docker_compose``: docker-compose.yml: loading, environment, dependencies and compose's interpolation.
- ``dockerfile``: deploy/docker: the Dockerfile's instructions and .dockerignore's rules.
- ``kustomize``: a minimal kustomize renderer for what deploy/k8s uses.
- ``patches``: kustomize patches: targets, strategic merge (with patch merge keys) and JSON 6902.
- ``k8s_checks``: cross-checks of rendered manifests (probes, services, env, security, autoscaling, wiring)
  and the Kubernetes schemas.
- ``settings_env``: the environment variables each app's pydantic settings read (to find typos in what we set).

Loaded by conftest.py as the package ``kabinet_deploy_support`` (the tests run with --import-mode=importlib,
so sibling modules are not importable by name).
"""
