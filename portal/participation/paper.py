"""Paper and booth ballots: imported from a CSV file, each row checked with the engine's ballot rules.

All or nothing: a file with any bad row is refused with the list of problems (line by line) and
changes nothing. The columns (comma- or semicolon-separated, UTF-8, header first):

    ballot_id   the number printed on the paper ballot (unique within the cycle)
    choices     project ids separated by spaces or "|"; cumulative: "12:3 15:2"; ranking: best first
    channel     optional: paper (default) or booth
    district    optional: the district code where the ballot was cast
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.i18n import _
from portal.models import Ballot, BallotType, Cycle
from portal.participation import phases
from portal.participation.ballots import ballot_definition, new_receipt
from portal.participation.errors import BallotRejected, InvalidInput

CHANNELS = ("paper", "booth")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_LISTED = 30
ID_RE = re.compile(r"^[A-Za-z0-9_./-]{1,60}$")


@dataclass
class ImportResult:
    count: int
    by_channel: dict[str, int]
    sha256: str
    errors: list[str] = field(default_factory=list)


def parse_choices(ballot_type: BallotType, text: str) -> Any:
    """The choices column of one row -> the shape the ballot validation takes."""
    parts = [p for p in re.split(r"[\s|,]+", (text or "").strip()) if p]
    if BallotType(ballot_type) == BallotType.CUMULATIVE:
        points: dict[str, str] = {}
        for part in parts:
            pid, sep, value = part.partition(":")
            if not sep:
                raise InvalidInput(_("write points as project:points, e.g. 12:3"))
            if pid in points:
                raise InvalidInput(_("project {id} appears twice").format(id=pid))
            points[pid] = value
        return points
    return parts


def import_csv(session: Session, cycle: Cycle, actor: Any, data: bytes, filename: str = "") -> ImportResult:
    """Check every row, then store all ballots in one transaction (the caller commits)."""
    phases.require_officer(actor)
    phases.require(cycle, "import_paper")
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("The file is larger than {n} MB.").format(n=MAX_BYTES // (1024 * 1024)))
    if (filename and not filename.lower().endswith((".csv", ".txt"))) or b"\x00" in data[:65536]:
        raise InvalidInput(_("Only CSV text files can be imported (a .csv file)."))
    digest = hashlib.sha256(data).hexdigest()
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")) from None
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [name for name in ("ballot_id", "choices") if name not in header]
    if missing:
        raise InvalidInput(_("The header line needs the columns {cols} (it has: {have}).").format(
            cols=", ".join(missing), have=", ".join(header) or _("nothing")))
    col = {name: header.index(name) for name in ("ballot_id", "choices", "channel", "district") if name in header}
    definition = ballot_definition(session, cycle)
    districts = {d.code for d in cycle.districts}
    existing = set(session.scalars(select(Ballot.voter_key).where(Ballot.cycle_id == cycle.id,
                                                                  Ballot.voter_key.like("paper:%"))))
    errors: list[str] = []
    rows: list[tuple[str, dict, str, str | None]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(_("More than {n} rows: split the file.").format(n=f"{MAX_ROWS:,}"))
            break

        def cell(name: str, row=row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        if len(row) != len(header):
            errors.append(_("Line {n}: {got} fields, the header has {want}.").format(
                n=line, got=len(row), want=len(header)))
            continue
        ballot_id = cell("ballot_id")
        if not ID_RE.match(ballot_id):
            errors.append(_("Line {n}: the ballot id {id!r} may only have letters, digits and ./_- "
                            "(at most 60).").format(n=line, id=ballot_id))
            continue
        if ballot_id in seen:
            errors.append(_("Line {n}: ballot {id} appears twice (first on line {first}).").format(
                n=line, id=ballot_id, first=seen[ballot_id]))
            continue
        seen[ballot_id] = line
        if f"paper:{ballot_id}" in existing:
            errors.append(_("Line {n}: ballot {id} was imported before.").format(n=line, id=ballot_id))
            continue
        channel = (cell("channel") or "paper").lower()
        if channel not in CHANNELS:
            errors.append(_("Line {n}: the channel must be paper or booth.").format(n=line))
            continue
        district = cell("district") or None
        if district is not None and district not in districts:
            errors.append(_("Line {n}: unknown district {d}.").format(n=line, d=district))
            continue
        try:
            choices = definition.validate(parse_choices(cycle.ballot_type, cell("choices")))
        except (BallotRejected, InvalidInput) as exc:
            errors.append(_("Line {n}: {problem}").format(n=line, problem=exc.message))
            continue
        rows.append((ballot_id, choices, channel, district))
    if errors:
        shown = errors[:MAX_LISTED]
        more = len(errors) - len(shown)
        message = _("The file was not imported; nothing was stored. Problems:") + " " + " ".join(shown)
        if more:
            message += " " + _("... and {n} more.").format(n=more)
        raise InvalidInput(message, errors=errors)
    if not rows:
        raise InvalidInput(_("The file has no ballots."))
    by_channel: dict[str, int] = {}
    receipts: set[str] = set()
    for ballot_id, choices, channel, district in rows:
        receipt = new_receipt()
        while receipt in receipts:
            receipt = new_receipt()
        receipts.add(receipt)
        session.add(Ballot(cycle_id=cycle.id, voter_key=f"paper:{ballot_id}", channel=channel, choices=choices,
                           receipt_code=receipt, district_code=district))
        by_channel[channel] = by_channel.get(channel, 0) + 1
    session.flush()
    record(session, "paper.import", {"file": filename[:200], "sha256": digest, "count": len(rows),
                                     "by_channel": by_channel}, target=cycle, actor=actor)
    return ImportResult(len(rows), by_channel, digest)
