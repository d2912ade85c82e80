"""Scoring: one response (:func:`score_response`) or a whole table (:func:`score_table`).

Both go through the same vectorised numpy core, so a single response and a table of a million
responses are scored by the same arithmetic. No rounding: a prorated PHQ-9 may be 13.5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray

from concord.analytics.instruments.model import Instrument, InstrumentError, InvalidResponseError

ScaleStatus = Literal["complete", "prorated", "not_scorable"]
STATUS_CODES: tuple[str, ...] = ("complete", "prorated", "not_scorable")
OPERATORS = {
    "gt": np.greater,
    "ge": np.greater_equal,
    "lt": np.less,
    "le": np.less_equal,
    "eq": np.equal,
}


class TableScoringError(InstrumentError, ValueError):
    """A table cannot be scored. ``row`` is the 1-based data row (header excluded), ``column``
    the column name; either may be ``None`` when the problem is the table's shape."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        self.row = row
        self.column = column
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class ScaleScore:
    """The score of one scale. ``value`` is ``None`` when ``status`` is ``not_scorable``;
    ``reason`` is then a code (``too_many_missing``)."""

    code: str
    value: float | None
    status: ScaleStatus
    n_answered: int
    n_missing: int
    band: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    """The scores of one administration.

    ``scales`` in spec order; ``differences`` maps derived codes to values (``None`` if a part
    is not scorable); ``flags`` lists the raised flag codes; ``safety_alert`` is True when a
    ``safety`` flag was raised (PHQ-9 item 9 > 0).
    """

    instrument: str
    version: str
    rater: str
    scales: tuple[ScaleScore, ...]
    differences: Mapping[str, float | None]
    flags: tuple[str, ...]
    safety_alert: bool

    def scale(self, code: str) -> ScaleScore:
        """The score of scale ``code``."""
        for scale in self.scales:
            if scale.code == code:
                return scale
        raise KeyError(f"{self.instrument}: no scale {code!r}")


@dataclass(frozen=True)
class _Scored:
    values: dict[str, NDArray[np.float64]]
    n_answered: dict[str, NDArray[np.int64]]
    status: dict[str, NDArray[np.int8]]  # index into STATUS_CODES
    bands: dict[str, NDArray[np.intp]]  # 0 = no band, i = scale.bands[i - 1]
    differences: dict[str, NDArray[np.float64]]
    flags: dict[str, NDArray[np.bool_]]


def _score_matrix(instrument: Instrument, answers: NDArray[np.float64]) -> _Scored:
    """Score a validated ``n x items`` matrix (columns in item order, nan = missing)."""
    column = {item.id: i for i, item in enumerate(instrument.items)}
    scored = answers.copy()
    for item in instrument.items:
        if item.reversed:
            j = column[item.id]
            scored[:, j] = item.minimum + item.maximum - scored[:, j]
    values: dict[str, NDArray[np.float64]] = {}
    answered: dict[str, NDArray[np.int64]] = {}
    status: dict[str, NDArray[np.int8]] = {}
    bands: dict[str, NDArray[np.intp]] = {}
    for scale in instrument.scales:
        block = scored[:, [column[i] for i in scale.items]]
        present = ~np.isnan(block)
        n_answered = present.sum(axis=1)
        total = np.where(present, block, 0.0).sum(axis=1)
        n_items = len(scale.items)
        scorable = (n_items - n_answered <= scale.max_missing) & (n_answered > 0)
        safe_n = np.maximum(n_answered, 1)
        # sum: prorated to all items (equals the plain sum when complete); mean: answered items
        value = total * n_items / safe_n if scale.method == "sum" else total / safe_n
        value = np.where(scorable, value, np.nan)
        values[scale.code] = value
        answered[scale.code] = n_answered
        code = np.where(n_answered == n_items, 0, 1).astype(np.int8)
        status[scale.code] = np.where(scorable, code, np.int8(2)).astype(np.int8)
        if scale.bands:
            minima = np.array([b.minimum for b in scale.bands])
            bands[scale.code] = np.searchsorted(
                minima, np.nan_to_num(value, nan=-np.inf), side="right"
            )
    differences = {d.code: values[d.minuend] - values[d.subtrahend] for d in instrument.differences}
    flags: dict[str, NDArray[np.bool_]] = {}
    for flag in instrument.flags:
        target = answers[:, column[flag.item]] if flag.item else values[str(flag.scale)]
        compare = OPERATORS[flag.operator]
        flags[flag.code] = np.where(np.isnan(target), False, compare(target, flag.threshold))
    return _Scored(values, answered, status, bands, differences, flags)


def _reason(status: str, n_answered: int) -> str | None:
    if status != "not_scorable":
        return None
    return "no_answers" if n_answered == 0 else "too_many_missing"


def score_response(instrument: Instrument, answers: Mapping[str, object]) -> ScoreResult:
    """Score one administration.

    Parameters
    ----------
    instrument
        From :func:`get_instrument`.
    answers
        Item id -> answer (number; ``None``/``nan``/absent = missing). Unknown item ids and
        values not permitted for the item raise :class:`InvalidResponseError` naming the item.

    Returns
    -------
    ScoreResult
    """
    known = set(instrument.item_ids)
    for item_id in answers:
        if item_id not in known:
            raise InvalidResponseError(str(item_id), answers[item_id], "unknown_item")
    row = np.array(
        [
            [
                np.nan if (v := item.check(answers.get(item.id))) is None else v
                for item in instrument.items
            ]
        ],
        dtype=float,
    )
    result = _score_matrix(instrument, row)
    scales = []
    for scale in instrument.scales:
        value = float(result.values[scale.code][0])
        n_answered = int(result.n_answered[scale.code][0])
        status = STATUS_CODES[int(result.status[scale.code][0])]
        band_index = int(result.bands[scale.code][0]) if scale.code in result.bands else 0
        scales.append(
            ScaleScore(
                code=scale.code,
                value=None if np.isnan(value) else value,
                status=status,  # type: ignore[arg-type]
                n_answered=n_answered,
                n_missing=len(scale.items) - n_answered,
                band=scale.bands[band_index - 1].code if band_index else None,
                reason=_reason(status, n_answered),
            )
        )
    differences = {
        code: None if np.isnan(v[0]) else float(v[0]) for code, v in result.differences.items()
    }
    raised = tuple(code for code, hit in result.flags.items() if bool(hit[0]))
    safety_codes = {f.code for f in instrument.flags if f.kind == "safety"}
    return ScoreResult(
        instrument=instrument.code,
        version=instrument.version,
        rater=instrument.rater,
        scales=tuple(scales),
        differences=differences,
        flags=raised,
        safety_alert=any(code in safety_codes for code in raised),
    )


def _validate_column(instrument: Instrument, name: str, data: NDArray[np.float64]) -> None:
    item = instrument.item(name)
    present = ~np.isnan(data)
    if item.kind == "choice":
        bad = present & ~np.isin(data, np.array(item.permitted_values))
        allowed = ", ".join(f"{v:g}" for v in item.permitted_values)
    else:
        bad = present & ((data < item.minimum) | (data > item.maximum))
        if item.integer:
            bad |= present & (np.floor(data) != data)
        allowed = f"{item.minimum:g}..{item.maximum:g}" + (
            " (whole numbers)" if item.integer else ""
        )
    if bad.any():
        row = int(np.argmax(bad))
        raise TableScoringError(
            f"value {data[row]:g} not permitted (allowed: {allowed})", row=row + 1, column=name
        )


def score_table(
    instrument: Instrument,
    table: pl.DataFrame,
    *,
    keep: Sequence[str] = (),
) -> pl.DataFrame:
    """Score a table with one row per administration (vectorised).

    Parameters
    ----------
    instrument
        From :func:`get_instrument`.
    table
        One column per item, named by item id (``q1`` ...); extra columns are ignored unless
        listed in ``keep``. Nulls are missing answers. A missing item column, a non-numeric
        value or a value not permitted raises :class:`TableScoringError` naming the 1-based row
        and the column.
    keep
        Columns copied unchanged to the output (e.g. an administration id).

    Returns
    -------
    polars.DataFrame
        ``keep`` columns, then per scale ``<scale>`` (Float64, null if not scorable),
        ``<scale>_status`` (complete / prorated / not_scorable), ``<scale>_reason`` (null, or
        ``no_answers`` / ``too_many_missing`` when not scorable), ``<scale>_band`` for scales
        with bands, then ``<difference>`` columns, and ``flag_<code>`` booleans.
    """
    for name in (*instrument.item_ids, *keep):
        if name not in table.columns:
            raise TableScoringError("required column is missing", column=name)
    matrix = np.empty((table.height, len(instrument.items)), dtype=float)
    for j, item in enumerate(instrument.items):
        series = table.get_column(item.id)
        if not series.dtype.is_numeric():
            cast = series.cast(pl.Float64, strict=False)
            failed = cast.is_null() & series.is_not_null()
            if isinstance(series.dtype, pl.String):
                failed &= series.str.strip_chars() != ""
            if failed.any():
                row = int(failed.arg_true()[0])
                raise TableScoringError(
                    f"value {series[row]!r} is not a number", row=row + 1, column=item.id
                )
            series = cast
        matrix[:, j] = series.cast(pl.Float64).fill_null(np.nan).to_numpy()
        _validate_column(instrument, item.id, matrix[:, j])
    result = _score_matrix(instrument, matrix)
    columns: list[pl.Series] = [table.get_column(name) for name in keep]
    for scale in instrument.scales:
        columns.append(pl.Series(scale.code, result.values[scale.code]).fill_nan(None))
        status = result.status[scale.code]
        status_names = pl.Series(f"{scale.code}_status", STATUS_CODES, dtype=pl.String)
        columns.append(status_names.gather(status))
        # reason: null when scorable, else no_answers / too_many_missing
        reason_index = np.where(status == 2, np.where(result.n_answered[scale.code] == 0, 1, 2), 0)
        reason_names = [None, "no_answers", "too_many_missing"]
        columns.append(
            pl.Series(f"{scale.code}_reason", reason_names, dtype=pl.String).gather(reason_index)
        )
        if scale.code in result.bands:
            band_names = [None, *(band.code for band in scale.bands)]
            names = pl.Series(f"{scale.code}_band", band_names, dtype=pl.String)
            columns.append(names.gather(result.bands[scale.code]))
    for code, values in result.differences.items():
        columns.append(pl.Series(code, values).fill_nan(None))
    for code, hits in result.flags.items():
        columns.append(pl.Series(f"flag_{code}", hits, dtype=pl.Boolean))
    return pl.DataFrame(columns)
