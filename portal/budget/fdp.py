"""Fiscal Data Package (v0.3) descriptors: export the portal's budget lines, import a package's CSV.

Export writes `datapackage.json` (resources with a Table Schema, and the `model` mapping columns to
one measure and to dimensions) beside a CSV in the portal's own format. Import reads a descriptor's
model back into a column mapping and hands its resources to the generic CSV importer: each measure
becomes an amount column (with its currency, and phase and direction where the measure states
them), datetime dimensions give the fiscal year, and functional, economic and administrative
classifications and location dimensions give the codes and names of a line.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from portal.budget.mapping import Mapping, MappingError, read_generic
from portal.budget.report import ImportReport
from portal.budget.schema import FN_CODES, FN_NAMES, LEVELS, PB_PROJECT, TEXT_FIELDS
from portal.i18n import gettext

EXPORT_COLUMNS = ["fiscal_year", "phase", "statement", "direction", *TEXT_FIELDS, "amount", "currency", PB_PROJECT]


def descriptor(city_slug: str, city_name: str, currency: str, resource: str = "budget.csv",
               attribution: list[str] | None = None) -> dict[str, Any]:
    """The datapackage.json of an export of the portal's budget lines."""
    text = {"type": "string"}
    fields = [
        {"name": "fiscal_year", "type": "integer", "title": "Fiscal year"},
        {"name": "phase", "type": "string",
         "constraints": {"enum": ["proposed", "approved", "adjusted", "executed"]}},
        {"name": "statement", "type": "string", "constraints": {"enum": ["operating", "capital"]}},
        {"name": "direction", "type": "string", "constraints": {"enum": ["revenue", "expenditure"]}},
        *[{"name": f, **text} for f in TEXT_FIELDS],
        {"name": "amount", "type": "number", "decimalChar": ".", "groupChar": ""},
        {"name": "currency", "type": "string"},
        {"name": PB_PROJECT, "type": "string",
         "description": "the participatory-budgeting project (its number on the portal) this line pays for"},
    ]
    functional: dict[str, Any] = {}
    for i in range(LEVELS):
        code = {"source": FN_CODES[i]}
        if i:
            code["parent"] = FN_CODES[i - 1]
        functional[FN_CODES[i]] = code
        functional[FN_NAMES[i]] = {"source": FN_NAMES[i], "labelfor": FN_CODES[i]}
    return {
        "name": f"{city_slug}-budget",
        "title": f"{city_name} budget",
        "profile": "fiscal-data-package",
        "countryCode": None,
        "sources": [{"title": line} for line in (attribution or [])],
        "resources": [{
            "name": "budget", "path": resource, "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "profile": "tabular-data-resource", "schema": {"fields": fields},
        }],
        "model": {
            "measures": {"amount": {"source": "amount", "currency": currency}},
            "dimensions": {
                "fiscal_period": {"dimensionType": "datetime", "primaryKey": "fiscal_year",
                                  "attributes": {"fiscal_year": {"source": "fiscal_year"}}},
                "phase": {"dimensionType": "other", "primaryKey": "phase",
                          "attributes": {"phase": {"source": "phase"}}},
                "statement": {"dimensionType": "other", "primaryKey": "statement",
                              "attributes": {"statement": {"source": "statement"}}},
                "direction": {"dimensionType": "other", "primaryKey": "direction",
                              "attributes": {"direction": {"source": "direction"}}},
                "functional_classification": {
                    "dimensionType": "classification", "classificationType": "functional",
                    "primaryKey": FN_CODES, "attributes": functional},
                "economic_classification": {
                    "dimensionType": "classification", "classificationType": "economic", "primaryKey": "econ_code",
                    "attributes": {"econ_code": {"source": "econ_code"},
                                   "econ_name": {"source": "econ_name", "labelfor": "econ_code"}}},
                "administrative_classification": {
                    "dimensionType": "classification", "classificationType": "administrative",
                    "primaryKey": "admin_code",
                    "attributes": {"admin_code": {"source": "admin_code"},
                                   "admin_name": {"source": "admin_name", "labelfor": "admin_code"}}},
                "location": {
                    "dimensionType": "location", "primaryKey": "district_code",
                    "attributes": {"district_code": {"source": "district_code"},
                                   "district_name": {"source": "district_name", "labelfor": "district_code"}}},
            },
        },
    }


def lines_csv(lines: pd.DataFrame) -> str:
    """Budget lines (with `amount` in currency units) as CSV in the portal's own format."""
    out = lines.reindex(columns=EXPORT_COLUMNS).fillna("")
    return out.to_csv(index=False, lineterminator="\n")


# Import ----------------------------------------------------------------------------------------

def resources_beside(descriptor_path: Path) -> list[tuple[str, bytes]]:
    """The local files a descriptor's resources name, read from beside it (never from the network)."""
    try:
        package = json.loads(Path(descriptor_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = []
    base = Path(descriptor_path).parent.resolve()
    for resource in package.get("resources", []) if isinstance(package, dict) else []:
        paths = resource.get("path") if isinstance(resource, dict) else None
        for rel in paths if isinstance(paths, list) else [paths]:
            if not isinstance(rel, str) or "://" in rel:
                continue
            target = (base / rel).resolve()
            if target.is_file() and target.is_relative_to(base):
                files.append((PurePosixPath(rel).name, target.read_bytes()))
    return files


def read_package(files: list[tuple[str, bytes]], report: ImportReport, *, districts: dict[str, str],
                 currency: str) -> pd.DataFrame | None:
    """A datapackage.json and its CSV resources (among `files`) -> budget lines."""
    descriptors = [(n, d) for n, d in files if n.lower().endswith(".json")]
    if len(descriptors) != 1:
        report.error(gettext("give exactly one datapackage.json"))
        return None
    name, raw = descriptors[0]
    try:
        package = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        report.error(gettext("not valid JSON: %(error)s", error=exc), file=name)
        return None
    if not isinstance(package, dict):
        report.error(gettext("a descriptor is a JSON object"), file=name)
        return None
    missing = [k for k in ("resources", "model") if not package.get(k)]
    if missing:
        report.error(gettext("a Fiscal Data Package descriptor needs %(keys)s", keys=" and ".join(missing)), file=name)
        return None
    try:
        mapping_raw = mapping_from_model(package["model"], currency)
    except MappingError as exc:
        report.error(str(exc), file=name)
        return None
    by_name = {PurePosixPath(n).name: d for n, d in files}
    frames = []
    for resource in package["resources"]:
        if not isinstance(resource, dict):
            continue
        paths = resource.get("path")
        for rel in paths if isinstance(paths, list) else [paths]:
            if not isinstance(rel, str):
                report.error(gettext("a resource without a path (inline data is not supported)"), file=name)
                continue
            if "://" in rel:
                report.error(gettext("resource %(path)s is on the web: download it and give it beside the descriptor",
                                     path=rel),
                             file=name)
                continue
            data = by_name.get(PurePosixPath(rel).name)
            if data is None:
                report.error(gettext("resource %(path)s is missing: give it together with the descriptor", path=rel),
                             file=name)
                continue
            raw_mapping = dict(mapping_raw)
            amount_field = _schema_field(resource, _amount_sources(package["model"]))
            if amount_field and amount_field.get("decimalChar") in (".", ","):
                raw_mapping["decimal"] = amount_field["decimalChar"]
            if resource.get("encoding"):
                raw_mapping["encoding"] = str(resource["encoding"]).lower()
            dialect = resource.get("dialect") or {}
            if isinstance(dialect, dict) and dialect.get("delimiter"):
                raw_mapping["separator"] = dialect["delimiter"]
            try:
                mapping = Mapping.from_json(raw_mapping)
            except MappingError as exc:
                report.error(gettext("the model cannot be read: %(error)s", error=exc), file=name)
                return None
            lines = read_generic(data, PurePosixPath(rel).name, mapping, report, districts=districts,
                                 currency=currency)
            if lines is not None:
                frames.append(lines)
    if not report.ok or not frames:
        if report.ok:
            report.error(gettext("the descriptor names no CSV resource"), file=name)
        return None
    return pd.concat(frames, ignore_index=True)


def _amount_sources(model: dict) -> list[str]:
    return [m.get("source") for m in (model.get("measures") or {}).values() if isinstance(m, dict)]


def _schema_field(resource: dict, names: list[str]) -> dict | None:
    for f in (resource.get("schema") or {}).get("fields", []):
        if isinstance(f, dict) and f.get("name") in names:
            return f
    return None


def mapping_from_model(model: dict, default_currency: str) -> dict[str, Any]:
    """An FDP `model` -> the generic importer's mapping (as a JSON-ready dict)."""
    if not isinstance(model, dict):
        raise MappingError("'model' must be an object")
    measures = model.get("measures") or {}
    dimensions = model.get("dimensions") or {}
    if not isinstance(measures, dict) or not measures:
        raise MappingError("the model has no measures (at least one amount column is required)")
    fields: dict[str, Any] = {}
    for dim_name, dim in dimensions.items():
        if not isinstance(dim, dict):
            continue
        attrs = {k: v for k, v in (dim.get("attributes") or {}).items() if isinstance(v, dict) and v.get("source")}
        kind = dim.get("dimensionType")
        by_field = {k: v for k, v in attrs.items() if k in ("fiscal_year", "phase", "statement", "direction",
                                                            "currency")}
        for key, attr in by_field.items():
            fields[key] = attr["source"]
        if by_field:
            continue
        if kind == "datetime":
            attr = attrs.get("year") or attrs.get("fiscal_year") or next(iter(attrs.values()), None)
            if attr:
                fields["fiscal_year"] = {"column": attr["source"], "pattern": r"(\d{4})"}
        elif kind == "classification":
            levels = _levels(attrs)
            ctype = dim.get("classificationType") or _guess_type(dim_name)
            if ctype == "functional":
                if len(levels) > LEVELS:
                    raise MappingError(f"dimension {dim_name}: at most {LEVELS} functional levels")
                for i, (code, label) in enumerate(levels):
                    fields[FN_CODES[i]] = code
                    if label:
                        fields[FN_NAMES[i]] = label
            elif ctype in ("economic", "administrative") and levels:
                prefix = "econ" if ctype == "economic" else "admin"
                code, label = levels[-1]
                fields[f"{prefix}_code"] = code
                if label:
                    fields[f"{prefix}_name"] = label
        elif kind == "location":
            levels = _levels(attrs)
            if levels:
                fields["district_code"] = levels[-1][0]
                if levels[-1][1]:
                    fields["district_name"] = levels[-1][1]
    if "fn1_code" not in fields:
        raise MappingError("the model has no functional classification dimension (classificationType functional)")
    items = []
    factors = set()
    for measure_name, measure in measures.items():
        if not isinstance(measure, dict) or not measure.get("source"):
            raise MappingError(f"measure {measure_name!r} needs a source column")
        item = {"column": measure["source"], "currency": measure.get("currency") or default_currency}
        for key in ("phase", "direction"):
            if measure.get(key):
                item[key] = measure[key]
        factors.add(float(measure.get("factor", 1) or 1))
        items.append(item)
    if len(factors) > 1:
        raise MappingError("measures with different factors are not supported")
    for key in ("phase", "direction"):
        if key not in fields and any(key not in item for item in items):
            raise MappingError(f"the model says the {key} neither per measure nor in a dimension")
    if "fiscal_year" not in fields:
        raise MappingError("the model has no datetime dimension for the fiscal year")
    mapping: dict[str, Any] = {"fields": fields, "subtotals": "error"}
    if len(items) == 1 and set(items[0]) <= {"column", "currency"}:
        fields["amount"] = items[0]["column"]
        if "currency" not in fields:
            fields["currency"] = {"value": items[0]["currency"]}
    else:
        mapping["amount_columns"] = items
    factor = factors.pop()
    if factor != 1:
        raise MappingError("measures with a factor other than 1 are not supported yet")
    return mapping


def _levels(attrs: dict[str, dict]) -> list[tuple[str, str | None]]:
    """Code attributes ordered root first by their `parent`, each with the source of its label."""
    labels = {a["labelfor"]: a["source"] for a in attrs.values() if a.get("labelfor")}
    codes = {k: a for k, a in attrs.items() if not a.get("labelfor")}
    ordered: list[str] = []
    remaining = dict(codes)
    parent_of = {k: a.get("parent") for k, a in codes.items()}
    current = [k for k, p in parent_of.items() if not p or p not in codes]
    while current and remaining:
        current.sort()
        for k in current:
            ordered.append(k)
            remaining.pop(k, None)
        current = [k for k in remaining if parent_of[k] in ordered]
    ordered.extend(sorted(remaining))
    return [(codes[k]["source"], labels.get(k)) for k in ordered]


def _guess_type(name: str) -> str:
    lowered = name.lower()
    if "econ" in lowered:
        return "economic"
    if "admin" in lowered:
        return "administrative"
    return "functional"
