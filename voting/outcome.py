"""The result of a count: funded projects in selection order, and an explanation per project."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Explanation:
    """Why a project was or was not funded.

    `round` is its 1-based place in the selection order (None if not funded). For the Method of Equal
    Shares, `paid` is what its supporters paid, `max_payment` the most one voter paid for it, and for a
    project left out `needed_cost` is the highest cost at which it would have been funded in some round
    (so `cheaper_by` = cost - needed_cost is how much cheaper it had to be). `reason` says it in words.
    """

    project: str
    funded: bool
    cost: int
    supporters: int
    round: int | None = None
    score: float | None = None
    paid: float | None = None
    max_payment: float | None = None
    needed_cost: float | None = None
    cheaper_by: float | None = None
    reason: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class Outcome:
    """Funded project ids in selection order with their total cost, the rule and the explanations."""

    selected: list[str]
    total_cost: int
    budget: int
    rule: str
    completion: str | None = None
    sat: str | None = None
    explanations: dict[str, Explanation] = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dict; key `selected` lists the funded ids in selection order."""
        return {
            "rule": self.rule,
            "completion": self.completion,
            "sat": self.sat,
            "selected": list(self.selected),
            "total_cost": self.total_cost,
            "budget": self.budget,
            "details": dict(self.details),
            "explanations": {k: v.to_dict() for k, v in self.explanations.items()},
        }
