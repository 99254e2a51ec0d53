"""Identity's repositories, one module per aggregate; ``projections`` holds what identity learns from other
services' events. Each is built from the unit of work's session (identity.adapters.unit_of_work)."""
