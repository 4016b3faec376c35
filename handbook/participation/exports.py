"""The participation views as spreadsheets: XLSX (openpyxl) and CSV for Excel (UTF-8 with a
byte-order mark, or Excel reads Vietnamese as Latin-1), the same rows the pages show."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from handbook.core.downloads import content_disposition
from handbook.core.timeutil import to_local
from handbook.orgs.models import Organization
from handbook.participation.overview import MARKS, Grid, Quarter, Tally
from handbook.participation.totals import Totals


class Rate(float):
    """A share (0..1): a percentage cell in XLSX, ``80 %`` in CSV."""


Cell = str | int | Rate | None
_WORD = {True: "Có", False: "Không", None: ""}


def disposition(title: str, suffix: str) -> str:
    return content_disposition(title, suffix, fallback="Tham gia", limit=150)


def _rates(tally: Tally) -> list[Cell]:
    return [None if (r := tally.rate(name)) is None else Rate(r) for name, _ in MARKS]


def branch_rows(grid: Grid) -> list[list[Cell]]:
    """Members × meetings: each meeting's four marks, the member's counts, the meetings' rates."""
    head: list[Cell] = ["Đảng viên"]
    for meeting in grid.meetings:
        day = f"{to_local(meeting.starts_at):%d/%m/%Y}"
        head += [f"{day} {meeting.title} – {label}" for _, label in MARKS]
    head += [f"Tổng – {label}" for _, label in MARKS]
    rows: list[list[Cell]] = [head]
    for member in grid.members:
        row: list[Cell] = [member.name]
        for meeting in grid.meetings:
            cell = grid.mark(member.id, meeting.id)
            row += [_WORD[getattr(cell, name)] for name, _ in MARKS]
        tally = grid.per_member[member.id]
        row += [f"{tally.done[name]}/{tally.of[name]}" for name, _ in MARKS]
        rows.append(row)
    last: list[Cell] = ["Tỉ lệ"]
    for meeting in grid.meetings:
        last += _rates(grid.per_meeting[meeting.id])
    rows.append(last + _rates(grid.total))
    return rows


def branches_rows(totals: Totals, branches: Sequence[Organization]) -> list[list[Cell]]:
    """One row per branch, side by side: members, meetings and the four rates."""
    head: list[Cell] = ["Chi bộ", "Số đảng viên", "Số buổi sinh hoạt"]
    rows: list[list[Cell]] = [head + [label for _, label in MARKS]]
    for branch in branches:
        counts = [totals.members[branch.id], totals.meetings[branch.id]]
        rows.append([branch.name, *counts, *_rates(totals.per_branch[branch.id])])
    rows.append(["Tất cả", totals.member_count, totals.meeting_count, *_rates(totals.total)])
    return rows


def to_csv(rows: list[list[Cell]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(
            "" if c is None else f"{round(c * 100)} %" if isinstance(c, Rate) else c for c in row
        )
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(rows: list[list[Cell]], sheet: str, title: str) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True)
    for row in rows:
        ws.append([float(c) if isinstance(c, Rate) else c for c in row])
        for cell, value in zip(ws[ws.max_row], row, strict=True):
            if isinstance(value, Rate):
                cell.number_format = "0%"
    for cell in ws[2]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 32
    ws.freeze_panes = "B3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_title(org: Organization, quarter: Quarter, what: str) -> str:
    return f"{what} – {org.name} – {quarter.label}"
