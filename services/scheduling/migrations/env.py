from kabinet.db.migrations import run_env
from scheduling.adapters.tables import metadata

run_env(metadata)
