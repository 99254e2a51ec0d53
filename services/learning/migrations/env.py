from kabinet.db.migrations import run_env
from learning.adapters.tables import metadata

run_env(metadata)
