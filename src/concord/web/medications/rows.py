"""Reading and checking uploaded rows before anything is written.

Pure functions over text: a CSV file becomes a header and rows; a column mapping says which
column holds which value; every row is checked and *every* problem is reported with its
1-based row number (the first data row is row 1, the header line is not counted — as in the
adherence engine and the ``concord adherence`` command) and the column concerned. The
services write nothing unless the list of problems is empty.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_BYTES = 1_000_000
"""Largest accepted file. A pharmacy export for one patient is a few kilobytes."""
MAX_ROWS = 5_000
MAX_DAYS_SUPPLY = Decimal(366)
MAX_DAILY_DOSE = Decimal(100_000)
MAX_TEXT = {"medication_class": 100, "medication_name": 200}
THOUSANDTH = Decimal("0.001")

# strftime format → how it is shown to people
DATE_FORMATS: dict[str, str] = {
    "%Y-%m-%d": "YYYY-MM-DD",
    "%d/%m/%Y": "DD/MM/YYYY",
    "%m/%d/%Y": "MM/DD/YYYY",
    "%d.%m.%Y": "DD.MM.YYYY",
    "%Y%m%d": "YYYYMMDD",
}
TIMESTAMP_FORMATS: dict[str, str | Promise] = {
    "iso": gettext_lazy("ISO 8601 (2026-03-01T08:05:00, 2026-03-01 08:05, with or without zone)"),
    "%d/%m/%Y %H:%M": "DD/MM/YYYY HH:MM",
    "%m/%d/%Y %H:%M": "MM/DD/YYYY HH:MM",
    "%d.%m.%Y %H:%M": "DD.MM.YYYY HH:MM",
}

# What each dispensing value is called, in messages and in the column mapping.
DISPENSING_FIELDS: dict[str, Promise] = {
    "date": gettext_lazy("date dispensed"),
    "days_supply": gettext_lazy("days' supply"),
    "daily_dose": gettext_lazy("daily dose"),
    "medication_class": gettext_lazy("medication class"),
    "medication_name": gettext_lazy("medication"),
}
REQUIRED_DISPENSING_FIELDS = ("date", "days_supply", "medication_class")


@dataclass(frozen=True)
class CsvTable:
    """A decoded CSV file: its header, its data rows (as text) and its SHA-256."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    sha256: str

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, row, strict=False)) for row in self.rows]


class FileProblem(ValueError):
    """The file as a whole cannot be read (too large, not text, no header, ...)."""


def read_csv(content: bytes) -> CsvTable:
    """Decode and split a CSV file; ragged rows are reported by :func:`ragged_rows`."""
    if len(content.replace(b"\r\n", b"\n")) > MAX_UPLOAD_BYTES:  # a form re-post adds CRs
        raise FileProblem(
            _("The file is larger than %(kb)s kB; upload one patient's events at a time.")
            % {"kb": MAX_UPLOAD_BYTES // 1000}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_("The file is not UTF-8 text; save it as CSV (UTF-8).")) from None
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    lines = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    header = tuple(c.strip() for c in lines[0])
    if any(not name for name in header):
        raise FileProblem(_("The header line has an empty column name."))
    duplicated = sorted({n for n in header if header.count(n) > 1})
    if duplicated:
        raise FileProblem(
            _("The header names a column twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    rows = tuple(tuple(c.strip() for c in row) for row in lines[1:])
    # The hash identifies the content whatever the line endings (a form re-post turns
    # them into CRLF), so the same file uploaded twice is recognised.
    digest = hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()
    if not rows:
        raise FileProblem(_("The file has a header but no data rows."))
    if len(rows) > MAX_ROWS:
        raise FileProblem(
            _("The file has %(n)s data rows; at most %(max)s are accepted.")
            % {"n": len(rows), "max": MAX_ROWS}
        )
    return CsvTable(header, rows, digest)


def ragged_rows(table: CsvTable) -> list[str]:
    return [
        _("Row %(n)s: %(fields)s fields where the header has %(columns)s.")
        % {"n": n, "fields": len(row), "columns": len(table.header)}
        for n, row in enumerate(table.rows, start=1)
        if len(row) != len(table.header)
    ]


def check_mapping(
    header: Sequence[str], mapping: Mapping[str, str], required: Sequence[str]
) -> dict[str, list[str]]:
    """Problems with a column mapping (field → file column), keyed by the mapping field."""
    errors: dict[str, list[str]] = {}
    columns = ", ".join(header)
    for field, column in mapping.items():
        if not column:
            if field in required:
                errors.setdefault(field, []).append(_("Choose the column that holds this value."))
            continue
        if column not in header:
            errors.setdefault(field, []).append(
                _('Column "%(column)s" is not in the file; its columns are: %(columns)s.')
                % {"column": column, "columns": columns}
            )
    for field in required:
        if field not in mapping:
            errors.setdefault(field, []).append(_("Choose the column that holds this value."))
    chosen = [c for c in mapping.values() if c]
    for field, column in mapping.items():
        if column and chosen.count(column) > 1:
            errors.setdefault(field, []).append(
                _('Column "%(column)s" is chosen for more than one value.') % {"column": column}
            )
    return errors


@dataclass(frozen=True)
class DispensingRow:
    row: int
    dispensed_on: date
    days_supply: Decimal
    daily_dose: Decimal | None
    medication_class: str
    medication_name: str


def parse_dispensing_rows(
    records: Sequence[Mapping[str, object]],
    *,
    columns: Mapping[str, str],
    date_format: str,
    today: date,
) -> tuple[list[DispensingRow], list[str]]:
    """Check every record; return the parsed rows and every problem (row and column named).

    ``columns`` maps each field of :data:`DISPENSING_FIELDS` to the record key holding it
    (the CSV column, or the JSON field); unmapped optional fields are left out.
    """
    if date_format not in DATE_FORMATS:
        return [], [_("Unknown date format “%(format)s”.") % {"format": date_format}]
    parsed: list[DispensingRow] = []
    problems: list[str] = []
    for n, record in enumerate(records, start=1):
        before = len(problems)

        def value(field: str, record: Mapping[str, object] = record) -> str:
            raw = record.get(columns[field]) if columns.get(field) else None
            return "" if raw is None else str(raw).strip()

        def problem(field: str, message: str, n: int = n) -> None:
            problems.append(
                _('Row %(n)s, column "%(column)s": %(problem)s')
                % {"n": n, "column": columns[field], "problem": message}
            )

        for field in REQUIRED_DISPENSING_FIELDS:
            if not value(field):
                problem(field, _("missing value."))
        when = _parse_date(value("date"), date_format)
        if value("date") and when is None:
            problem(
                "date",
                _('"%(text)s" is not a date in the format %(format)s.')
                % {"text": value("date"), "format": DATE_FORMATS[date_format]},
            )
        elif when is not None and when > today:
            problem("date", _("%(date)s is in the future.") % {"date": when.isoformat()})
        supply = _positive(value("days_supply"), _("days' supply"), MAX_DAYS_SUPPLY)
        if value("days_supply") and isinstance(supply, str):
            problem("days_supply", supply)
        dose: Decimal | str | None = None
        if value("daily_dose"):
            dose = _positive(value("daily_dose"), _("daily dose"), MAX_DAILY_DOSE)
            if isinstance(dose, str):
                problem("daily_dose", dose)
        for field, limit in MAX_TEXT.items():
            if len(value(field)) > limit:
                problem(field, _("longer than %(n)s characters.") % {"n": limit})
        if len(problems) == before and when is not None and isinstance(supply, Decimal):
            parsed.append(
                DispensingRow(
                    row=n,
                    dispensed_on=when,
                    days_supply=supply,
                    daily_dose=dose if isinstance(dose, Decimal) else None,
                    medication_class=value("medication_class"),
                    medication_name=value("medication_name"),
                )
            )
    return parsed, problems


def parse_timestamps(
    records: Sequence[Mapping[str, object]],
    *,
    column: str,
    timestamp_format: str,
    zone: tzinfo,
    now: datetime,
) -> tuple[list[tuple[int, datetime]], list[str]]:
    """Monitor events: every row's timestamp, timezone-aware (naive ones read in ``zone``)."""
    if timestamp_format not in TIMESTAMP_FORMATS:
        return [], [_("Unknown timestamp format “%(format)s”.") % {"format": timestamp_format}]
    parsed: list[tuple[int, datetime]] = []
    problems: list[str] = []
    for n, record in enumerate(records, start=1):
        raw = record.get(column)
        text = "" if raw is None else str(raw).strip()
        if not text:
            problems.append(
                _('Row %(n)s, column "%(column)s": %(problem)s')
                % {"n": n, "column": column, "problem": _("missing value.")}
            )
            continue
        try:
            if timestamp_format == "iso":
                moment = datetime.fromisoformat(text)
            else:
                moment = datetime.strptime(text, timestamp_format)
        except ValueError:
            problems.append(
                _('Row %(n)s, column "%(column)s": %(problem)s')
                % {
                    "n": n,
                    "column": column,
                    "problem": _('"%(text)s" is not a time in the format %(format)s.')
                    % {"text": text, "format": TIMESTAMP_FORMATS[timestamp_format]},
                }
            )
            continue
        if moment.utcoffset() is None:
            moment = moment.replace(tzinfo=zone)
        if moment > now:
            problems.append(
                _('Row %(n)s, column "%(column)s": %(problem)s')
                % {
                    "n": n,
                    "column": column,
                    "problem": _("%(date)s is in the future.") % {"date": moment.isoformat()},
                }
            )
            continue
        parsed.append((n, moment))
    return parsed, problems


def _parse_date(text: str, date_format: str) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, date_format).date()
    except ValueError:
        return None


def _not_positive(what: str, text: str) -> str:
    return _("the %(what)s must be greater than 0, not %(text)s.") % {"what": what, "text": text}


def _positive(text: str, what: str, maximum: Decimal) -> Decimal | str:
    """The number in ``text``, or the message saying what is wrong with it."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        return _('"%(text)s" is not a number.') % {"text": text}
    if number <= 0:
        return _not_positive(what, text)
    if number > maximum:
        return _("the %(what)s must be at most %(max)s, not %(text)s.") % {
            "what": what,
            "max": maximum,
            "text": text,
        }
    rounded = number.quantize(THOUSANDTH, rounding=ROUND_HALF_EVEN)
    if rounded <= 0:
        return _not_positive(what, text)
    return rounded
