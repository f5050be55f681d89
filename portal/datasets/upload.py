"""Officers' dataset uploads: the same check-preview-confirm cycle as budget imports.

`prepare` reads the CSV, types its columns and says what is wrong (rows, columns, first values) or
what it would publish; `apply` stores a confirmed upload as a new version in the database (so every
app server sees it) with an audit event. Nothing is written when the report has an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record as audit
from portal.budget.importer import require_officer
from portal.budget.report import ImportRejected, ImportReport
from portal.city import CityProfile
from portal.datasets import catalogue, frames
from portal.datasets.catalogue import SLUG
from portal.datasets.query import records
from portal.i18n import gettext, number
from portal.models import Dataset, DatasetFile, utcnow

# uploads travel base64-encoded in a JSON request (4/3 of the file) under Flask's MAX_CONTENT_LENGTH of 64 MB
MAX_BYTES = 45 * 1024 * 1024
MAX_COLUMNS = 500
_LAT = {"lat", "latitude", "breite", "y_wgs84"}
_LON = {"lon", "lng", "long", "longitude", "laenge", "länge", "x_wgs84"}


class UploadError(ValueError):
    pass


def decode_upload(contents: str | None) -> bytes:
    """The bytes of a dcc.Upload value ("data:<type>;base64,<data>")."""
    if not contents or not isinstance(contents, str) or "," not in contents:
        raise UploadError(gettext("no file"))
    header, _, payload = contents.partition(",")
    if ";base64" not in header:
        raise UploadError(gettext("unexpected upload encoding"))
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UploadError(gettext("the upload is damaged")) from exc
    if len(data) > MAX_BYTES:
        raise UploadError(gettext("the file is larger than %(mb)s MB", mb=MAX_BYTES // (1024 * 1024)))
    return data


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:80].strip("-")


@dataclass
class UploadPlan:
    city: str
    slug: str
    name: str
    description: str
    licence: str
    source: str
    filename: str
    sha256: str
    report: ImportReport
    frame: pd.DataFrame | None = None
    data: bytes = b""
    columns: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    replaces: dict | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok and self.frame is not None

    def preview(self, rows: int = 10) -> list[dict]:
        return records(self.frame.head(rows)) if self.frame is not None else []


def prepare(session: Session, city: CityProfile, filename: str, data: bytes, *, name: str = "",
            description: str = "", licence: str = "", source: str = "", slug: str = "") -> UploadPlan:
    report = ImportReport()
    slug = (slug or slugify(name) or slugify(filename.rsplit(".", 1)[0])).strip()
    plan = UploadPlan(city=city.slug, slug=slug, name=(name or "").strip(), description=(description or "").strip(),
                      licence=(licence or "").strip(), source=(source or "").strip(), filename=filename[:255],
                      sha256=hashlib.sha256(data).hexdigest(), report=report, data=data)
    if not filename.lower().endswith((".csv", ".txt", ".tsv")):
        report.error(gettext("only CSV files can be uploaded"), file=filename)
    if not plan.name:
        report.error(gettext("give the dataset a name"))
    if not plan.licence:
        report.error(gettext("say under which licence the data may be shared"))
    if not plan.source:
        report.error(gettext("say where the data comes from (the source)"))
    if not SLUG.match(slug or ""):
        report.error(gettext("the short name (slug) may only hold lower-case letters, digits and hyphens (3-80)"),
                     values=[slug])
    if len(data) > MAX_BYTES:
        report.error(gettext("the file is larger than %(mb)s MB", mb=MAX_BYTES // (1024 * 1024)), file=filename)
    if not report.ok:
        return plan
    frame = frames.read_typed(data, filename, report)
    if frame is None:
        return plan
    if frame.empty:
        report.error(gettext("the file has a header but no rows"), file=filename)
        return plan
    if len(frame.columns) > MAX_COLUMNS:
        report.error(gettext("more than %(count)s columns", count=MAX_COLUMNS), file=filename)
        return plan
    generated = [c for c in frame.columns if re.fullmatch(r"column_\d+", str(c))]
    if generated:
        report.warning(gettext("columns without a name were called %(names)s", names=", ".join(generated)),
                       file=filename)
    types = frames.column_types(frame)
    plan.frame = frame
    plan.columns = [{"name": c, "type": t} for c, t in types.items()]
    plan.meta = guess_meta(frame, types, city)
    existing = session.scalar(select(Dataset).where(Dataset.city == city.slug, Dataset.slug == slug))
    shipped = next((d for d in catalogue.shipped(city) if d.slug == slug), None)
    if existing is not None:
        plan.replaces = {"slug": slug, "name": existing.name, "version": existing.version,
                         "rows": existing.row_count, "origin": "uploaded"}
    elif shipped is not None:
        plan.replaces = {"slug": slug, "name": shipped.name, "version": 1, "origin": "shipped"}
    report.info(gettext("%(rows)s rows, %(columns)s columns", rows=number(len(frame)), columns=len(frame.columns)),
                file=filename)
    return plan


def guess_meta(frame: pd.DataFrame, types: dict[str, str], city: CityProfile) -> dict:
    """Which column is the time axis, which holds coordinates, which names a district (for charts and maps)."""
    meta: dict = {}
    dates = [c for c, t in types.items() if t == "date"]
    if dates:
        meta["time"] = {"column": dates[0], "kind": "date"}
    lowered = {str(c).lower(): c for c in frame.columns}
    lat = next((lowered[k] for k in lowered if k in _LAT and types[lowered[k]] in ("number", "integer")), None)
    lon = next((lowered[k] for k in lowered if k in _LON and types[lowered[k]] in ("number", "integer")), None)
    if lat and lon:
        meta["coordinates"] = {"lat": lat, "lon": lon}
    if city.districts:
        codes = set(city.districts)
        names = {v.lower() for v in city.districts.values()}
        for col, kind in types.items():
            if kind not in ("string", "integer"):
                continue
            values = frame[col].dropna().astype(str).str.strip()
            if values.empty:
                continue
            share_code = values.isin(codes).mean()
            share_name = values.str.lower().isin(names).mean()
            if max(share_code, share_name) >= 0.8 and values.nunique() <= len(codes) + 1:
                meta["district"] = {"column": col, "by": "code" if share_code >= share_name else "name"}
                break
    return meta


def apply(session: Session, plan: UploadPlan, *, user=None, expected_sha256: str | None = None) -> Dataset:
    """Publish a checked upload as the dataset's next version (the caller commits)."""
    require_officer(user)
    if not plan.ok:
        raise ImportRejected(plan.report)
    if expected_sha256 is not None and expected_sha256 != plan.sha256:
        report = ImportReport()
        report.error(gettext("the file differs from the one previewed: preview it again"))
        raise ImportRejected(report)
    row = session.scalar(select(Dataset).where(Dataset.city == plan.city, Dataset.slug == plan.slug))
    before = None
    if row is None:
        row = Dataset(city=plan.city, slug=plan.slug, version=0, storage_path="", row_count=0)
        session.add(row)
    else:
        before = {"version": row.version, "rows": row.row_count, "name": row.name}
        current = session.scalar(select(DatasetFile.sha256).where(DatasetFile.dataset_id == row.id,
                                                                   DatasetFile.version == row.version))
        if current == plan.sha256 and row.name == plan.name:
            return row  # the same file again: nothing to publish
    row.name, row.description, row.licence, row.source = plan.name, plan.description, plan.licence, plan.source
    row.columns = plan.columns
    row.row_count = len(plan.frame)
    row.meta = {**plan.meta, "sha256": plan.sha256}
    row.uploaded_by_id = getattr(user, "id", None)
    row.updated_at = utcnow()
    session.flush()
    version = (session.scalar(select(func.max(DatasetFile.version)).where(DatasetFile.dataset_id == row.id)) or 0) + 1
    stored = DatasetFile(dataset_id=row.id, version=version, filename=plan.filename, sha256=plan.sha256,
                         size=len(plan.data), row_count=len(plan.frame), content=plan.data)
    session.add(stored)
    session.flush()
    row.version = version
    row.storage_path = f"db:{stored.id}"
    audit(session, "dataset.upload", {"slug": row.slug, "version": version, "rows": row.row_count,
                                      "sha256": plan.sha256, "file": plan.filename},
          before=before, target=row, actor=user)
    return row
