"""Learning's repositories, one module per aggregate: ``sheets`` (sheets, marks, history, idempotency keys),
``settings`` (grade scales, risk thresholds) and ``projections`` (other services' lessons and students)."""

from learning.adapters.repositories.projections import SqlProjections
from learning.adapters.repositories.settings import SqlSchoolSettings
from learning.adapters.repositories.sheets import SqlSheets, sheets_by_lessons

__all__ = ["SqlProjections", "SqlSchoolSettings", "SqlSheets", "sheets_by_lessons"]
