"""Composition errors, with codes modelled on Apollo's so messages are familiar to federation users."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompositionIssue:
    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class CompositionError(Exception):
    """Raised when subgraphs cannot be composed; carries every problem found, not just the first."""

    def __init__(self, issues: list[CompositionIssue]) -> None:
        self.issues = issues
        super().__init__("supergraph composition failed:\n" + "\n".join(f"  - {i}" for i in issues))
