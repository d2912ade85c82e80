"""Shared machinery of the public adherence functions: arguments, windows, execution.

A call goes through the same steps whatever the measure:

1. :func:`prepare_events` validates and sorts the input (errors name rows and columns);
2. :func:`resolve_windows` turns AdhereR's window arguments into :class:`WindowSpec`;
3. :meth:`Call.patient_windows` runs the per-patient window query and rejects windows that
   do not fit (observation window outside the follow-up window);
4. the measure's query runs on the chosen engine with ``ev`` and ``pw`` registered;
5. :meth:`Call.finish` maps internal keys back to patient IDs (and medication groups) and
   day numbers back to dates.
"""

# SQL text here is assembled only from internal identifiers and numeric literals; no
# user-supplied text reaches it (user columns are mapped to internal names first).
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl
import pyarrow as pa

from concord.analytics.adherence.dates import TIME_UNITS, day_number, r_to_strptime
from concord.analytics.adherence.engines import Engine, resolve_engine
from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.inputs import EventSource, PreparedEvents, prepare_events
from concord.analytics.adherence.medgroups import MedicationGroups, evaluate_groups
from concord.analytics.adherence.plan import (
    Quantity,
    Query,
    WindowSpec,
    add_patient_windows,
    add_sequence_columns,
    constant_patient_windows,
)

__all__ = ["WINDOW_FIT_ERROR", "Call", "WindowValue", "make_call", "window_fit_message"]

#: A window start or duration: days (number), a date, or the name of a column.
WindowValue = float | int | str | dt.date

MED_GROUP_COLUMN = ".MED_GROUP_ID"


def _check_unit(unit: str, argument: str) -> str:
    if unit not in TIME_UNITS:
        raise AdherenceInputError(
            f"{argument} must be one of {', '.join(TIME_UNITS)}, not {unit!r}", column=argument
        )
    return unit


def _parse_date_value(text: str, date_format: str) -> dt.date | None:
    try:
        fmt = r_to_strptime(date_format)
        return dt.datetime.strptime(text.strip(), fmt).date()
    except ValueError:
        return None


def _quantity(
    value: WindowValue,
    unit: str,
    argument: str,
    frame: pl.DataFrame,
    date_format: str,
    columns: dict[str, str],
    *,
    allow_date: bool,
) -> Quantity:
    _check_unit(unit, argument + ".unit")
    if isinstance(value, bool):
        raise AdherenceInputError(f"{argument} must be a number, a date or a column name")
    if isinstance(value, int | float):
        return Quantity("number", float(value), unit=unit)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not allow_date:
            raise AdherenceInputError(f"{argument} must be a number or a column", column=argument)
        return Quantity("date", float(day_number(value)), unit=unit)
    if value in frame.columns:
        dtype = frame.schema[value]
        engine_name = columns.setdefault(value, f"w{len(columns)}")
        if dtype == pl.Date and allow_date:
            return Quantity("column_date", column=engine_name, unit=unit)
        if dtype.is_numeric():
            return Quantity("column_number", column=engine_name, unit=unit)
        raise AdherenceInputError(
            f"column {value!r} given as {argument} must hold numbers"
            + (" or dates (of Date type)" if allow_date else "")
            + f", not {dtype}",
            column=value,
        )
    parsed = _parse_date_value(value, date_format) if allow_date else None
    if parsed is None:
        raise AdherenceInputError(
            f"{argument} {value!r} is neither a column of the data nor a date in format "
            f"{date_format!r}",
            column=value,
        )
    return Quantity("date", float(day_number(parsed)), unit=unit)


PATIENT_ID = "__patient_id"  # the patient ID column of Call.finish() results

#: The first words of the error for an observation window outside the follow-up window.
WINDOW_FIT_ERROR = "the observation window does not fit inside the follow-up window"


def window_fit_message(starts_before: bool, ends_after: bool) -> str:
    """The start of the containment error (spec section 2), saying which edge fails.

    ``starts_before``: some OW starts before its FUW (``fs > os``); ``ends_after``: some OW
    ends after its FUW (``fe < oe``). The patients' IDs follow the returned text.
    """
    if starts_before and ends_after:
        how = "it starts before or ends after it"
    elif starts_before:
        how = "it starts before it"
    else:
        how = "it ends after it"
    return f"{WINDOW_FIT_ERROR} ({how}) for patient(s) "


@dataclass
class Call:
    """One validated adherence call: events, windows, groups and engine."""

    prepared: PreparedEvents
    windows: WindowSpec
    engine: Engine
    window_columns: dict[str, str]
    groups: MedicationGroups | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)
    #: whether any query of this call uses dosage change (needs the dose-weighted sums)
    dosage_change: bool = True
    #: whether any query needs class runs (carry-over for the same medication only)
    same_medication: bool = True
    #: whether any query needs the next event's class (treatment episodes)
    next_class: bool = True
    #: whether any query runs the gap engine (CMA1-4 alone do not)
    gaps: bool = True
    #: whether ``ev`` gets the key-level running minimum (``CarryOver.from_first_event``)
    key_stats: bool = False
    #: ... and the key-level previous-event columns (episodes)
    previous_stats: bool = False

    def starts_at_first_event(self) -> bool:
        """Whether every patient's FUW starts at or before the patient's first event.

        True for a constant follow-up start of zero or less (the usual ``0``) without
        medication groups; the gap engine can then read key-level running columns.
        """
        start = self.windows.fuw_start
        return self.groups is None and start.kind == "number" and start.value <= 0

    @property
    def key_base(self) -> int:
        return self.prepared.n_patients + 1

    def base_table(self) -> pl.DataFrame:
        frame = self.prepared.frame
        extra = [
            pl.col(user).cast(pl.Int32).cast(pl.Float64).alias(engine)
            if frame.schema[user] == pl.Date
            else pl.col(user).cast(pl.Float64).alias(engine)
            for user, engine in self.window_columns.items()
        ]
        runs = self.same_medication or self.groups is not None
        next_class = self.next_class or self.groups is not None
        optional = []
        if "__dose" in frame.columns:
            optional.append(pl.col("__dose").alias("dose"))
        if "__cls" in frame.columns:
            # classes are only compared for equality: integer codes are enough
            optional.append(pl.col("__cls").to_physical().cast(pl.Int32).alias("cls"))
        elif runs or next_class:
            optional.append(pl.lit(None, dtype=pl.Int32).alias("cls"))
        table = frame.select(
            # a patient's key is its number; with groups, group * key_base + number
            pl.col("__p").alias("key")
            if self.groups is None
            else pl.col("__p").cast(pl.Int64).alias("key"),
            pl.col("__p").alias("p"),
            pl.col("__k").alias("k"),
            pl.col("__seq").alias("seq"),
            pl.col("__d").alias("d"),  # event dates are whole days
            pl.col("__dur").alias("dur"),
            *optional,
            *extra,
        )
        if not self.gaps:
            return table
        return add_sequence_columns(
            table,
            dose_sums=self.dosage_change,
            runs=runs,
            next_class=next_class,
            key_stats=self.key_stats and self.groups is None,
            previous_stats=self.previous_stats,
        )

    def run(self, sql: str, extra: Mapping[str, pa.Table] | None = None) -> pl.DataFrame:
        tables = dict(self.tables)
        tables.update(extra or {})
        result = pl.from_arrow(self.engine.run(sql, tables))
        if not isinstance(result, pl.DataFrame):  # pragma: no cover
            raise TypeError("engine returned no table")
        return result

    def patient_windows(self, *, per_group: bool = False) -> pa.Table:
        """Run the window query, check containment, register ``ev`` and ``pw``."""
        base = self.base_table()
        groups = self.groups
        events = (
            base
            if groups is None
            else groups.long_events(base, self.key_base, dose_sums=self.dosage_change)
        )
        per_group = per_group and groups is not None
        first_rows = (events if per_group else base).filter(pl.col("k") == 1)
        drop = ["p", "k", *self.window_columns.values()]
        if not self.dosage_change:
            drop.append("dose")
        if not self.gaps:
            drop += ["cls"]
        else:
            if not self.same_medication:
                drop.append("run")
            if not self.next_class:
                drop += ["cls", "ncls"]
        self.tables = {
            "ev": events.drop(drop, strict=False).to_arrow(),
            "first": first_rows.to_arrow(),
        }
        del base, events
        # only the patients' IDs and first rows are needed from here on
        prepared = self.prepared
        self.prepared = replace(
            prepared,
            frame=prepared.frame.select("__row"),
        )
        pw = constant_patient_windows(first_rows, self.windows)
        if pw is None:
            q = Query(self.engine.dialect)
            pw_name = add_patient_windows(q, self.windows, "first")
            pw = self.run(q.sql(f"SELECT * FROM {pw_name}"))
        early, late = pl.col("fs") > pl.col("os"), pl.col("fe") < pl.col("oe")
        bad = pw.filter(early | late)
        if bad.height:
            keys = bad.get_column("p").unique().sort().to_list()
            failing = self.prepared.patients.filter(pl.col("__p").is_in(keys))
            rows = failing.get_column("__first_row").to_list()
            raise AdherenceInputError(
                window_fit_message(
                    bool(bad.select(early.any()).item()), bool(bad.select(late.any()).item())
                )
                + ", ".join(str(v) for v in failing.get_column(self.prepared.id_colname)[:10]),
                column=self.prepared.id_colname,
                rows=rows,
            )
        if self.groups is not None and not per_group:
            pw = self.groups.expand_patient_windows(pw, self.key_base)
        table = pw.to_arrow()
        self.tables["pw"] = table
        return table

    def finish(self, frame: pl.DataFrame, date_columns: tuple[str, ...] = ()) -> pl.DataFrame:
        """Map ``key`` to the patient ID (and group) and day numbers to dates.

        The patient ID comes back in the column :data:`PATIENT_ID`, never under the caller's
        name: an ID column named like an internal one (``key``, ``uid``, ``cma`` …) would
        otherwise collide with it; callers select ``patient_id_column()``.
        """
        out = frame.with_columns(
            (pl.col("key") % self.key_base).cast(pl.Int32).alias("__p"),
            (pl.col("key") // self.key_base).alias("__grp"),
            *[
                pl.col(c).floor().cast(pl.Int32).cast(pl.Date).alias(c)
                for c in date_columns
                if c in frame.columns
            ],
        )
        patients = self.prepared.patients.select(
            "__p", pl.col(self.prepared.id_colname).alias(PATIENT_ID)
        )
        out = out.join(patients, on="__p", how="left")
        sort_cols = ["__grp", "__p"] + (["uid"] if "uid" in out.columns else [])
        out = out.sort(sort_cols)
        if self.groups is not None:
            out = out.with_columns(self.groups.names_expr("__grp").alias(MED_GROUP_COLUMN))
        return out.drop("key", "__p", "__grp")

    def patient_id_column(self) -> pl.Expr:
        """The patient ID of a :meth:`finish` result, under the caller's column name."""
        return pl.col(PATIENT_ID).alias(self.prepared.id_colname)


def make_call(
    data: EventSource,
    *,
    id_colname: str,
    event_date_colname: str,
    event_duration_colname: str,
    event_daily_dose_colname: str | None,
    medication_class_colname: str | None,
    date_format: str,
    followup_window_start: WindowValue,
    followup_window_start_unit: str,
    followup_window_duration: WindowValue,
    followup_window_duration_unit: str,
    observation_window_start: WindowValue,
    observation_window_start_unit: str,
    observation_window_duration: WindowValue,
    observation_window_duration_unit: str,
    medication_groups: str | Mapping[str, str] | None = None,
    engine: str | Engine | None = None,
    classes: bool = True,
    doses: bool = True,
) -> Call:
    """Validate a call's data and arguments (see :mod:`concord.analytics.adherence`).

    ``classes=False`` when no query of the call compares medication classes (their
    categorical encoding is then skipped), ``doses=False`` when none uses dosage change
    (the doses are checked but not kept).
    """
    window_args = {
        "followup.window.start": followup_window_start,
        "followup.window.duration": followup_window_duration,
        "observation.window.start": observation_window_start,
        "observation.window.duration": observation_window_duration,
    }
    from concord.analytics.adherence.inputs import read_table

    raw = read_table(data)
    string_columns = {k: v for k, v in window_args.items() if isinstance(v, str) and v in raw}
    keep = tuple(v for v in window_args.values() if isinstance(v, str) and v in raw.columns)
    prepared = prepare_events(
        raw,
        id_colname=id_colname,
        event_date_colname=event_date_colname,
        event_duration_colname=event_duration_colname,
        event_daily_dose_colname=event_daily_dose_colname,
        medication_class_colname=medication_class_colname,
        date_format=date_format,
        extra_columns=string_columns,
        keep_columns=keep,
        classes=classes,
        doses=doses,
    )
    frame = prepared.frame
    columns: dict[str, str] = {}
    windows = WindowSpec(
        fuw_start=_quantity(
            followup_window_start,
            followup_window_start_unit,
            "followup.window.start",
            frame,
            date_format,
            columns,
            allow_date=True,
        ),
        fuw_duration=_quantity(
            followup_window_duration,
            followup_window_duration_unit,
            "followup.window.duration",
            frame,
            date_format,
            columns,
            allow_date=False,
        ),
        ow_start=_quantity(
            observation_window_start,
            observation_window_start_unit,
            "observation.window.start",
            frame,
            date_format,
            columns,
            allow_date=True,
        ),
        ow_duration=_quantity(
            observation_window_duration,
            observation_window_duration_unit,
            "observation.window.duration",
            frame,
            date_format,
            columns,
            allow_date=False,
        ),
    )
    groups = None
    if medication_groups is not None:
        groups = evaluate_groups(prepared.raw, medication_groups).in_order(
            prepared.frame.get_column("__row") - 1
        )
    return Call(
        prepared=prepared,
        windows=windows,
        engine=resolve_engine(engine),
        window_columns=columns,
        groups=groups,
        dosage_change=doses,
    )
