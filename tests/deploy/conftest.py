"""Offline checks of the deployment layer (docker-compose.yml, deploy/docker, deploy/k8s).

The helpers live in support.py, loaded here as `kabinet_deploy_support` because the test suite runs with
--import-mode=importlib (sibling modules are not importable by plain name).
"""

import importlib.util
import sys
from pathlib import Path

_NAME = "kabinet_deploy_support"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("support.py"))
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
