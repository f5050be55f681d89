"""Reader and writer of Pabulib `.pb` files (META, PROJECTS and VOTES sections, `;`-separated, quoted fields).

The format is described at pabulib.org/format. A gzip-compressed file (by its magic bytes) is read
transparently. Errors raise PabulibError with the 1-based `.line` of the problem. Writing and reading
back gives an equal Election.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from itertools import repeat
from pathlib import Path

import numpy as np

from voting.errors import ElectionError, PabulibError
from voting.model import Election, Instance, ProfileBuilder, Project, as_int, ballot_kind

SECTIONS = ("meta", "projects", "votes")
FAST_VOTES = True  # read plain VOTES rows column-wise (False: row by row with the csv module, as a check)
_CHUNK_CHARS = 1 << 16
_NEWLINE = re.compile(r"\r\n|\r|\n")
# whitespace that str.strip() removes, other than a plain space or a newline
_ODD_SPACE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x110000) if chr(c).isspace() and chr(c) not in " \n") + "]"
)
_NONE = ("", "None", "none", "NONE")
_PROJECT_FIELDS = {
    "project_id",
    "cost",
    "name",
    "category",
    "categories",
    "target",
    "targets",
    "district",
    "latitude",
    "longitude",
    "selected",
}
_KNOWN_META_ORDER = (
    "description",
    "country",
    "unit",
    "subunit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
)


def read_pb(source) -> Election:
    """Read a `.pb` (or `.pb.gz`) file from a path or an open file object (text or binary)."""
    if isinstance(source, (str, os.PathLike)):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    if isinstance(data, bytes):
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:  # a damaged or truncated .gz (found by fuzzing)
                raise PabulibError(f"the gzip file is damaged ({exc})", None) from None
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise PabulibError("the file is not valid UTF-8 text", line) from None
    return parse_pb(data)


def parse_pb(text: str) -> Election:
    """Parse the text of a `.pb` file into an Election."""
    if text.startswith("\ufeff"):
        text = text[1:]
    stream = _Lines(text)
    reader = csv.reader(stream, delimiter=";")
    section = None
    header: list[str] = []
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[Project] = []
    project_lines: dict[str, int] = {}
    builder: ProfileBuilder | None = None
    seen: set[str] = set()
    header_line = 0
    vote_cols = None
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            first = row[0].strip().lower()
            if first in SECTIONS and len(row) <= 2 and (len(row) == 1 or not row[1].strip()):
                if first in seen:
                    raise PabulibError(f"section {first.upper()} appears twice", line)
                if first == "projects" and "meta" not in seen:
                    raise PabulibError("PROJECTS comes before META", line)
                if first == "votes" and "projects" not in seen:
                    raise PabulibError("VOTES comes before PROJECTS", line)
                seen.add(first)
                section = first
                header_row = next(reader, None)
                header_line = reader.line_num
                if header_row is None:
                    raise PabulibError(f"section {first.upper()} has no header line", line + 1)
                header = [h.strip() for h in header_row]
                if section == "projects":
                    _check_header(header, ("project_id", "cost"), header_line)
                elif section == "votes":
                    _check_header(header, ("voter_id", "vote"), header_line)
                    builder, vote_cols = _start_votes(meta, meta_lines, header, header_line, projects)
                    if FAST_VOTES and _fast_votes(text, stream.pos, builder, vote_cols, header):
                        break  # the rest of the file was plain vote rows, all read
                continue
            if section is None:
                raise PabulibError("the file must start with a META section", line)
            if section == "meta":
                key = row[0].strip()
                if len(row) < 2:
                    raise PabulibError(f"META entry {key!r} has no value", line)
                if key in meta:
                    raise PabulibError(f"META key {key!r} appears twice", line)
                meta[key] = ";".join(row[1:]).strip()
                meta_lines[key] = line
            elif section == "projects":
                if len(row) != len(header):
                    raise PabulibError(
                        f"project row has {len(row)} fields but the header has {len(header)}", line
                    )
                project = _project(header, row, line)
                if project.id in project_lines:
                    raise PabulibError(
                        f"project id {project.id!r} is repeated (first on line {project_lines[project.id]})",
                        line,
                    )
                project_lines[project.id] = line
                projects.append(project)
            else:
                if len(row) != len(header):
                    raise PabulibError(
                        f"vote row has {len(row)} fields but the header has {len(header)}", line
                    )
                _vote(builder, vote_cols, header, row, line, project_lines)
    except csv.Error as exc:
        raise PabulibError(f"malformed line ({exc})", reader.line_num) from None
    for name in SECTIONS:
        if name not in seen:
            raise PabulibError(f"the file has no {name.upper()} section")
    if builder is None:  # pragma: no cover - guarded above
        raise PabulibError("the file has no VOTES section")
    try:
        profile = builder.build()
        budget = meta.get("budget")
        instance = Instance(
            _money(budget, "budget", meta_lines.get("budget", header_line)),
            projects,
            meta,
            _district_budgets(meta.get("district_budgets"), meta_lines.get("district_budgets")),
        )
    except PabulibError:
        raise
    except ElectionError as exc:
        raise PabulibError(str(exc), None) from None
    _check_counts(meta, meta_lines, len(projects), len(profile))
    return Election(instance, profile)


def _check_header(header, required, line):
    for name in required:
        if name not in header:
            raise PabulibError(f"header has no {name!r} column", line)
    if len(set(header)) != len(header):
        raise PabulibError("header names a column twice", line)


def _money(value, what, line) -> int:
    if value is None:
        raise PabulibError(f"META has no {what}", line)
    try:
        return as_int(value, what)
    except ElectionError:
        raise PabulibError(f"{what} {value!r} is not a whole number of currency units", line) from None


def _district_budgets(value, line) -> dict[str, int]:
    if not value:
        return {}
    result = {}
    for part in value.split(","):
        name, sep, amount = part.rpartition(":")
        if not sep or not name.strip():
            raise PabulibError(f"district_budgets entry {part!r} is not 'district:amount'", line)
        result[name.strip()] = _money(amount, f"budget of district {name.strip()}", line)
    return result


def _is_none(value: str) -> bool:
    return value.strip().lower() == "none"


def _project(header, row, line) -> Project:
    fields = dict(zip(header, row, strict=True))
    project_id = row[header.index("project_id")].strip()
    if not project_id:
        raise PabulibError("project id is empty", line)
    kwargs: dict = {"extra": {}}
    for key, raw in fields.items():
        value = raw.strip()
        if key == "project_id":
            continue
        if key == "cost":
            kwargs["cost"] = _money(value, f"cost of project {project_id}", line)
            continue
        if _is_none(value) and key != "name":
            continue
        if key in ("category", "categories"):
            kwargs["categories"] = value
        elif key in ("target", "targets"):
            kwargs["targets"] = value
        elif key in ("name", "district"):
            kwargs[key] = value
        elif key in ("latitude", "longitude"):
            if value:
                try:
                    kwargs[key] = float(value)
                except ValueError:
                    raise PabulibError(
                        f"{key} {value!r} of project {project_id} is not a number", line
                    ) from None
        elif key == "selected":
            if value:
                try:
                    kwargs["selected"] = as_int(value, "selected")
                except ElectionError:
                    raise PabulibError(
                        f"selected {value!r} of project {project_id} is not 0 or 1", line
                    ) from None
        else:
            kwargs["extra"][key] = value
    try:
        return Project(project_id, **kwargs)
    except ElectionError as exc:
        raise PabulibError(str(exc), line) from None


def _start_votes(meta, meta_lines, header, header_line, projects):
    vote_type = meta.get("vote_type")
    if vote_type is None:
        raise PabulibError("META has no vote_type", header_line)
    try:
        kind = ballot_kind(vote_type)
    except ElectionError as exc:
        raise PabulibError(str(exc), meta_lines.get("vote_type")) from None
    if kind == "cardinal" and "points" not in header:
        raise PabulibError(f"a {vote_type} vote needs a 'points' column", header_line)
    builder = ProfileBuilder(vote_type)
    for project in projects:  # the profile's project table follows the instance order
        builder._local(project.id)
    cols = (
        header.index("voter_id"),
        header.index("vote"),
        header.index("points") if "points" in header else None,
    )
    return builder, cols


def _vote(builder, cols, header, row, line, project_lines):
    voter_col, vote_col, points_col = cols
    voter_id = row[voter_col].strip()
    if not voter_id:
        raise PabulibError("voter id is empty", line)
    vote = row[vote_col].strip()
    ids = [p.strip() for p in vote.split(",")] if vote and not _is_none(vote) else []
    for p in ids:
        if p not in project_lines:
            raise PabulibError(f"vote of voter {voter_id!r} names unknown project {p!r}", line)
    points = None
    if builder.kind == "cardinal":
        raw = row[points_col].strip()
        points = [x.strip() for x in raw.split(",")] if raw and not _is_none(raw) else []
        if len(points) != len(ids):
            raise PabulibError(
                f"vote of voter {voter_id!r} names {len(ids)} project(s) but {len(points)} point value(s)",
                line,
            )
    extra = None
    if len(row) > 2:
        extra = {}
        for i, key in enumerate(header):
            if i in (voter_col, vote_col, points_col):
                continue
            value = row[i].strip()
            if not _is_none(value):
                extra[key] = value
    try:
        builder.add(voter_id, ids, points, extra)
    except ElectionError as exc:
        raise PabulibError(str(exc), line) from None


class _Lines:
    """The lines of a text with their ends, split at \\r\\n, \\r or \\n as ``io.StringIO(text, newline="")``
    splits them (without its copy of the text in 4 bytes per character), and where the next one starts."""

    def __init__(self, text: str):
        self.text, self.pos = text, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.text):
            raise StopIteration
        found = _NEWLINE.search(self.text, self.pos)
        end = found.end() if found else len(self.text)
        line, self.pos = self.text[self.pos : end], end
        return line


def _fast_votes(text: str, start: int, builder: ProfileBuilder, cols, header: list[str]) -> bool:
    """Read the VOTES rows from `start` (the rest of the file) column by column, at C speed.

    Only for plain rows: no quotes, no stray carriage return, no blank or malformed line, no unknown or
    repeated project or voter, whole non-negative points. On anything else it returns False having
    changed nothing, and the rows are read one by one (which also reports the error with its line).
    Values are stripped of surrounding whitespace and "None" means missing, as row by row.
    """
    if text.find('"', start) >= 0 or text.count("\r", start) != text.count("\r\n", start):
        return False
    voter_col, vote_col, points_col = cols
    width = len(header)
    cardinal = builder.kind == "cardinal"
    index = builder.index
    extra_cols = [(i, key) for i, key in enumerate(header) if i not in cols]
    voter_ids: list[str] = []
    items, lengths, points = [], [], []
    extra: dict[str, list] = {key: [] for _, key in extra_cols}
    intern: dict[str, str] = {}
    pos, end = start, len(text)
    while pos < end:
        cut = text.find("\n", min(pos + _CHUNK_CHARS, end) - 1)
        cut = end if cut < 0 else cut + 1
        chunk = text[pos:cut].replace("\r\n", "\n")
        pos = cut
        if not chunk.endswith("\n"):
            chunk += "\n"
        raw = np.frombuffer(chunk.encode("utf-8"), dtype=np.uint8)
        semicolons = np.searchsorted(np.flatnonzero(raw == 59), np.flatnonzero(raw == 10))  # before each line end
        if len(semicolons) == 0 or (np.diff(semicolons, prepend=0) != width - 1).any():
            return False  # blank, short or long rows, or a later section: read row by row
        lines = chunk[:-1].split("\n")
        fields = ";".join(lines).split(";")
        strip = (
            chunk.startswith(" ")
            or any(pair in chunk for pair in (" ;", "; ", " \n", "\n ", " ,", ", "))
            or _ODD_SPACE.search(chunk) is not None
        )
        if strip:
            fields = [f.strip() for f in fields]
        ids = fields[voter_col::width]
        if "" in ids:
            return False
        voter_ids.extend(ids)
        votes = fields[vote_col::width]
        count = np.fromiter(map(str.count, votes, repeat(",")), dtype=np.int64, count=len(votes)) + 1
        if any(v in _NONE for v in set(votes)):
            count[[i for i, v in enumerate(votes) if v in _NONE]] = 0
            votes = [v for v in votes if v not in _NONE]
        parts = ",".join(votes).split(",") if votes else []
        if strip:
            parts = [x.strip() for x in parts]
        try:
            items.append(np.fromiter(map(index.__getitem__, parts), dtype=np.int32, count=len(parts)))
        except KeyError:
            return False
        lengths.append(count)
        if cardinal:
            given = fields[points_col::width]
            counted = np.fromiter(map(str.count, given, repeat(",")), dtype=np.int64, count=len(given)) + 1
            counted[[i for i, v in enumerate(given) if v in _NONE]] = 0
            if (counted != count).any():
                return False
            numbers = ",".join(v for v in given if v not in _NONE).split(",") if count.any() else []
            try:
                values = np.fromiter(map(int, numbers), dtype=np.int64, count=len(numbers))
            except (ValueError, OverflowError):
                return False  # e.g. "3.0": read row by row
            if (values < 0).any():
                return False
            points.append(values)
        for i, key in extra_cols:
            values = fields[i::width]
            table = {v: None if v.lower() == "none" else intern.setdefault(v, v) for v in set(values)}
            extra[key].extend(map(table.__getitem__, values))
    if len(set(voter_ids)) != len(voter_ids):
        return False
    items_all = np.concatenate(items) if items else np.zeros(0, dtype=np.int32)
    lengths_all = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    ballot = np.repeat(np.arange(len(lengths_all)), lengths_all)
    key = np.sort(ballot * (len(index) + 1) + items_all)
    if (key[1:] == key[:-1]).any():
        return False  # a project twice on one ballot
    builder.voter_ids = voter_ids
    builder.items = items_all
    builder.lengths = lengths_all
    builder.points = np.concatenate(points) if points else np.zeros(0, dtype=np.int64)
    # a column exists once some ballot has a value in it; columns in order of their first value
    first = {
        key: None if col.count(None) == len(col) else next(i for i, v in enumerate(col) if v is not None)
        for key, col in extra.items()
    }
    order = sorted((f, n, key) for n, (key, f) in enumerate(first.items()) if f is not None)
    builder.extra = {key: extra[key] for _, _, key in order}
    return True


def _check_counts(meta, meta_lines, num_projects, num_votes):
    for key, actual in (("num_projects", num_projects), ("num_votes", num_votes)):
        if key in meta:
            try:
                declared = int(meta[key])
            except ValueError:
                raise PabulibError(f"{key} {meta[key]!r} is not a number", meta_lines[key]) from None
            if declared != actual:
                raise PabulibError(f"{key} says {declared} but the file has {actual}", meta_lines[key])


def dumps_pb(election: Election) -> str:
    """The Pabulib text of an election (META keys in their order, counts and budget brought up to date)."""
    inst, prof = election.instance, election.profile
    meta = dict(inst.meta)
    meta["num_projects"] = str(len(inst))
    meta["num_votes"] = str(len(prof))
    meta["budget"] = str(inst.budget)
    meta["vote_type"] = prof.vote_type
    if inst.district_budgets:
        meta["district_budgets"] = ",".join(f"{d}:{b}" for d, b in inst.district_budgets.items())
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    out.write("PROJECTS\n")
    columns = ["project_id", "cost"]
    optional = [
        ("name", lambda p: p.name, any(p.name for p in inst)),
        ("category", lambda p: ",".join(p.categories) or "None", any(p.categories for p in inst)),
        ("target", lambda p: ",".join(p.targets) or "None", any(p.targets for p in inst)),
        (
            "district",
            lambda p: "None" if p.district is None else p.district,
            any(p.district is not None for p in inst),
        ),
        (
            "latitude",
            lambda p: "None" if p.latitude is None else repr(p.latitude),
            any(p.latitude is not None for p in inst),
        ),
        (
            "longitude",
            lambda p: "None" if p.longitude is None else repr(p.longitude),
            any(p.longitude is not None for p in inst),
        ),
        (
            "selected",
            lambda p: "None" if p.selected is None else str(p.selected),
            any(p.selected is not None for p in inst),
        ),
    ]
    getters = [(name, get) for name, get, used in optional if used]
    extra_keys: list[str] = []
    for p in inst:
        for key in p.extra:
            if key not in extra_keys:
                extra_keys.append(key)
    writer.writerow(columns + [name for name, _ in getters] + extra_keys)
    for p in inst:
        writer.writerow(
            [p.id, p.cost] + [get(p) for _, get in getters] + [p.extra.get(k, "None") for k in extra_keys]
        )
    out.write("VOTES\n")
    cardinal = prof.kind == "cardinal"
    vote_columns = ["voter_id", "vote"] + (["points"] if cardinal else []) + list(prof.extra_columns)
    writer.writerow(vote_columns)
    extra_cols = list(prof.extra_columns.values())
    ids = prof.project_ids
    for i, voter_id in enumerate(prof.voter_ids):
        lo, hi = int(prof._offsets[i]), int(prof._offsets[i + 1])
        row = [voter_id, ",".join(ids[j] for j in prof._items[lo:hi])]
        if cardinal:
            row.append(",".join(str(int(x)) for x in prof._points[lo:hi]))
        row.extend("None" if col[i] is None else col[i] for col in extra_cols)
        writer.writerow(row)
    return out.getvalue()


def write_pb(election: Election, target) -> None:
    """Write an election as a `.pb` file to a path (gzip when it ends in `.gz`) or a file object."""
    text = dumps_pb(election)
    if isinstance(target, (str, os.PathLike)):
        data = text.encode("utf-8")
        if str(target).endswith(".gz"):
            data = gzip.compress(data, mtime=0)
        Path(target).write_bytes(data)
    elif isinstance(target, io.TextIOBase):
        target.write(text)
    else:
        target.write(text.encode("utf-8"))
