"""Offline checks of the deployment layer (docker-compose.yml, deploy/docker, deploy/k8s).

The helpers live in the support/ package, loaded here as `kabinet_deploy_support` because the test suite runs
with --import-mode=importlib (sibling modules are not importable by plain name).
"""

import importlib.util
import sys
from pathlib import Path

_NAME = "kabinet_deploy_support"
if _NAME not in sys.modules:
    _init = Path(__file__).with_name("support") / "__init__.py"
    _spec = importlib.util.spec_from_file_location(_NAME, _init, submodule_search_locations=[str(_init.parent)])
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
