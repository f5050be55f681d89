"""The budget import service: files in, a checked plan with a preview out; a confirmed plan written atomically.

Used alike by the officer's upload page, the `flask budget import` command and the first-start seed.
The adapter is chosen from the files: a Fiscal Data Package descriptor, a city adapter that recognises
them (ADAPTERS: Köln's NKF files), or the generic CSV importer (the portal's own format, or any format
with a mapping).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from portal.audit import record as audit
from portal.budget import fdp, koeln, store
from portal.budget.mapping import Mapping, MappingError, read_generic
from portal.budget.report import ImportRejected, ImportReport
from portal.budget.schema import totals_preview
from portal.city import CityProfile
from portal.i18n import gettext
from portal.models import BudgetImport

MAX_FILES = 20
# City adapters for files as a city publishes them: each module has NAME, detect(files) and read(...)
ADAPTERS = (koeln,)


@dataclass
class ImportPlan:
    """What an import would write: the checked lines, the report and the totals an officer confirms."""

    city: str
    adapter: str
    source_name: str
    sha256: str
    report: ImportReport
    lines: pd.DataFrame | None = None
    preview: list[dict] = field(default_factory=list)
    replaces: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok and self.lines is not None

    def as_dict(self) -> dict:
        return {"city": self.city, "adapter": self.adapter, "source": self.source_name, "sha256": self.sha256,
                "ok": self.ok, "lines": 0 if self.lines is None else len(self.lines), "totals": self.preview,
                "replaces": self.replaces, "problems": self.report.as_dict()}


@dataclass
class ImportOutcome:
    status: str  # "imported" | "unchanged"
    import_id: int
    lines: int
    slices: list[tuple[int, str, str]]


def fingerprint(files: list[tuple[str, bytes]], mapping_text: str | bytes | None) -> str:
    """Same files (in any order, under any names) and same mapping -> same fingerprint."""
    digest = hashlib.sha256()
    for content_hash in sorted(hashlib.sha256(data).hexdigest() for _, data in files):
        digest.update(content_hash.encode())
    if mapping_text:
        raw = mapping_text if isinstance(mapping_text, str) else mapping_text.decode("utf-8", "replace")
        with contextlib.suppress(ValueError):
            raw = json.dumps(json.loads(raw), sort_keys=True)
        digest.update(b"mapping:" + raw.encode())
    return digest.hexdigest()


def prepare(files: list[tuple[str, bytes]], city: CityProfile, *, mapping_text: str | bytes | None = None,
            session: Session | None = None) -> ImportPlan:
    """Read and check the files; nothing is written. With a session, the plan says what it replaces."""
    report = ImportReport()
    names = ", ".join(name for name, _ in files)
    plan = ImportPlan(city=city.slug, adapter="", source_name=names, sha256=fingerprint(files, mapping_text),
                      report=report)
    if not files:
        report.error(gettext("no file given"))
        return plan
    if len(files) > MAX_FILES:
        report.error(gettext("at most %(count)s files at once", count=MAX_FILES))
        return plan
    try:
        mapping = Mapping.from_json(mapping_text)
    except MappingError as exc:
        report.error(gettext("mapping: %(error)s", error=exc))
        return plan
    districts = dict(city.districts)
    descriptors = [(n, d) for n, d in files if n.lower().endswith(".json")]
    if descriptors:
        plan.adapter = "fdp"
        plan.lines = fdp.read_package(files, report, districts=districts, currency=city.currency)
    elif mapping_text:
        plan.adapter = "mapping"
        plan.lines = _read_each(files, mapping, report, districts, city.currency)
    elif adapter := next((a for a in ADAPTERS if a.detect(files)), None):
        plan.adapter = adapter.NAME
        plan.lines = adapter.read(files, report, districts=districts, currency=city.currency)
    else:
        plan.adapter = "generic"
        plan.lines = _read_each(files, mapping, report, districts, city.currency)
    if plan.lines is not None and plan.lines.empty:
        report.error(gettext("the files hold no budget lines (every amount is empty or zero)"))
    if not report.ok:
        plan.lines = None
        return plan
    plan.preview = totals_preview(plan.lines)
    if session is not None:
        plan.replaces = replaced(session, city.slug, plan.lines)
    return plan


def _read_each(files, mapping, report, districts, currency) -> pd.DataFrame | None:
    frames, owner = [], {}
    for name, data in files:
        lines = read_generic(data, name, mapping, report, districts=districts, currency=currency)
        if lines is None:
            continue
        for key in store.slices_of(lines):
            if key in owner:
                report.error(gettext("%(first)s and %(second)s both hold %(year)s %(phase)s %(statement)s: an import "
                                     "replaces a whole year, phase and statement, so give each in one file",
                                     first=owner[key], second=name, year=key[0], phase=key[1], statement=key[2]))
            owner[key] = name
        frames.append(lines)
    if not report.ok or not frames:
        return None
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def replaced(session: Session, city: str, lines: pd.DataFrame) -> list[dict]:
    """The slices this import replaces, with their current totals (for the preview)."""
    from portal.budget.queries import slice_totals

    out = []
    for year, phase, statement in store.slices_of(lines):
        current = slice_totals(session, city, year, phase, statement)
        if current:
            out.append({"fiscal_year": year, "phase": phase, "statement": statement, **current})
    return out


def apply(session: Session, plan: ImportPlan, *, user=None, expected_sha256: str | None = None) -> ImportOutcome:
    """Write a checked plan (the caller's transaction commits it). Re-importing the same files changes nothing."""
    require_officer(user)
    if not plan.ok:
        raise ImportRejected(plan.report)
    if expected_sha256 is not None and expected_sha256 != plan.sha256:
        report = ImportReport()
        report.error(gettext("the files differ from the ones previewed: preview them again"))
        raise ImportRejected(report)
    slices = store.slices_of(plan.lines)
    current = store.current_imports(session, plan.city, slices)
    if len(current) == 1 and current[0].sha256 == plan.sha256 and _same_slices(current[0], slices):
        return ImportOutcome("unchanged", current[0].id, len(plan.lines), slices)
    problems = [p.text() for p in plan.report.problems if p.level != "info"]
    record = store.replace_lines(
        session, plan.city, plan.lines, source_name=plan.source_name, sha256=plan.sha256, adapter=plan.adapter,
        user_id=getattr(user, "id", None), summary={"problems": problems[:20]},
    )
    audit(session, "budget.import", {"import_id": record.id, "source": plan.source_name, "adapter": plan.adapter,
                                     "sha256": plan.sha256, "lines": len(plan.lines), "totals": plan.preview},
          before={"replaced": plan.replaces} if plan.replaces else None, target=record,
          actor=user if user is not None else None)
    from portal.feedback.budget_lines import reconcile

    # the city's file may now contain a funded project (or no longer): its participatory line follows
    reconcile(session, plan.city, actor=user, reason=f"budget import {record.id}")
    return ImportOutcome("imported", record.id, len(plan.lines), slices)


def require_officer(user) -> None:
    """Imports change what every visitor sees: only officers (or scripts, user None) may write them."""
    if user is not None and not user.has_role("officer"):
        raise PermissionError("only officers may import")


def _same_slices(record: BudgetImport, slices) -> bool:
    recorded = {tuple(s) for s in (record.summary or {}).get("slices", [])}
    return recorded == {tuple(s) for s in slices}


def read_paths(paths: list[Path]) -> list[tuple[str, bytes]]:
    """Files from disk, with the resources a datapackage.json names beside it."""
    files: list[tuple[str, bytes]] = []
    for path in paths:
        path = Path(path)
        files.append((path.name, path.read_bytes()))
        if path.name.lower().endswith(".json"):
            files.extend(fdp.resources_beside(path))
    return files


def import_paths(session: Session, city: CityProfile, paths: list[Path], *, mapping_text: str | None = None,
                 user=None) -> tuple[ImportPlan, ImportOutcome]:
    """Prepare and apply in one go (scripts and the first-start seed)."""
    plan = prepare(read_paths(paths), city, mapping_text=mapping_text, session=session)
    return plan, apply(session, plan, user=user)
