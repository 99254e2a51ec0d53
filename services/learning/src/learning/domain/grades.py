"""Grade scales (5-point by default; 10-point, 100-point and pass/fail per course) and grades on them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from learning.domain.errors import InvalidGrade


class GradeScale(StrEnum):
    FIVE_POINT = "five_point"
    TEN_POINT = "ten_point"
    HUNDRED_POINT = "hundred_point"
    PASS_FAIL = "pass_fail"

    @property
    def bounds(self) -> tuple[int, int]:
        return {
            GradeScale.FIVE_POINT: (1, 5),
            GradeScale.TEN_POINT: (1, 10),
            GradeScale.HUNDRED_POINT: (0, 100),
            GradeScale.PASS_FAIL: (0, 1),
        }[self]

    @property
    def maximum(self) -> int:
        return self.bounds[1]


DEFAULT_SCALE = GradeScale.FIVE_POINT
_PASS_WORDS = {"pass": 1, "passed": 1, "зачёт": 1, "зачет": 1, "fail": 0, "failed": 0, "незачёт": 0, "незачет": 0}


@dataclass(frozen=True, slots=True)
class Grade:
    value: int
    scale: GradeScale

    @classmethod
    def parse(cls, raw: str, scale: GradeScale, field: str | None = None) -> Grade:
        text = raw.strip().lower()
        if scale is GradeScale.PASS_FAIL:
            if text not in _PASS_WORDS:
                raise InvalidGrade("Use pass or fail on this course.", field=field)
            return cls(_PASS_WORDS[text], scale)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidGrade(field=field) from None
        if not number.is_finite():  # "sNaN" raises (untyped) on any comparison below; "NaN", "Infinity" are refused
            raise InvalidGrade(field=field)
        low, high = scale.bounds
        # Whole points only: half-points are not on any of the school's scales.
        if number != number.to_integral_value() or not low <= number <= high:
            raise InvalidGrade(f"The grade must be a whole number from {low} to {high}.", field=field)
        return cls(int(number), scale)

    def display(self) -> str:
        if self.scale is GradeScale.PASS_FAIL:
            return "pass" if self.value else "fail"
        return str(self.value)

    @property
    def percent(self) -> float:
        """The grade as a share of the scale's maximum, so thresholds work across scales."""
        return 100.0 * self.value / self.scale.maximum
