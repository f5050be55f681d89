"""What an import found wrong (or worth knowing) in a file: problems grouped by file, column and kind.

Rows are counted as a spreadsheet shows them: the header is row 1, the first data row is row 2.
A report with any error means nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.i18n import gettext

MAX_EXAMPLES = 5


@dataclass
class Problem:
    """One kind of problem in one column of one file, with the rows and the first offending values."""

    level: str  # "error" | "warning" | "info"
    message: str
    file: str | None = None
    column: str | None = None
    rows: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    count: int = 0

    def text(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.column:
            parts.append(gettext("column %(name)s", name=repr(self.column)))
        where = ", ".join(parts)
        out = f"{where}: {self.message}" if where else self.message
        if self.count:
            shown = ", ".join(str(r) for r in self.rows)
            if self.count > len(self.rows):
                out += " " + gettext("(%(count)s rows: %(rows)s and %(more)s more)", count=self.count, rows=shown,
                                     more=self.count - len(self.rows))
            else:
                out += " " + gettext("(%(count)s rows: %(rows)s)", count=self.count, rows=shown)
        if self.values:
            out += "; " + gettext("first values: %(values)s", values=", ".join(repr(v) for v in self.values))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "message": self.message, "file": self.file, "column": self.column,
                "rows": self.rows, "values": self.values, "count": self.count}


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)

    def add(self, level: str, message: str, *, file: str | None = None, column: str | None = None,
            rows=None, values=None, count: int | None = None) -> Problem:
        rows = [int(r) for r in (list(rows) if rows is not None else [])]
        values = [str(v) for v in (list(values) if values is not None else [])]
        problem = Problem(level, message, file=file, column=column, rows=rows[:MAX_EXAMPLES],
                          values=_distinct(values)[:MAX_EXAMPLES], count=count if count is not None else len(rows))
        self.problems.append(problem)
        return problem

    def error(self, message: str, **kw) -> Problem:
        return self.add("error", message, **kw)

    def warning(self, message: str, **kw) -> Problem:
        return self.add("warning", message, **kw)

    def info(self, message: str, **kw) -> Problem:
        return self.add("info", message, **kw)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def extend(self, other: ImportReport) -> None:
        self.problems.extend(other.problems)

    def text(self) -> str:
        return "\n".join(f"{p.level.upper()}: {p.text()}" for p in self.problems)

    def as_dict(self) -> list[dict[str, Any]]:
        return [p.as_dict() for p in self.problems]


class ImportRejected(ValueError):
    """The files have errors; the report says where. Nothing was written."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(report.text() or gettext("the import was rejected"))


def _distinct(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def spreadsheet_rows(index_positions, skip_rows: int = 0) -> list[int]:
    """0-based data row positions -> spreadsheet row numbers (header is row 1 + skipped lines)."""
    return [int(i) + 2 + skip_rows for i in index_positions]
