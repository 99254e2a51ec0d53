import sys
from pathlib import Path

# The shared helpers live beside the tests (pytest runs with --import-mode=importlib: no implicit sys.path).
sys.path.insert(0, str(Path(__file__).parent))

from scheduling_testkit import env, world  # noqa: F401  (fixtures)
