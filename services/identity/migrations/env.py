from identity.adapters.tables import metadata
from kabinet.db.migrations import run_env

run_env(metadata)
