"""`concord adherence MEASURE INPUT --out OUTPUT`: AdhereR-compatible adherence measures.

MEASURE is ``CMA1`` ... ``CMA9``, ``episodes``, ``per-episode``, ``sliding-window``,
``event-gaps`` or ``pdc``. Every AdhereR argument is an option named after it with the dots
turned into hyphens (``--ID-colname`` is spelled ``--id-colname``), so an R call moves over by
reading it; booleans are ``true`` / ``false``. A window start or duration may be a number, a
date in ``--date-format`` (R codes) or the name of a column (numbers of days, or dates in
``--date-format``). INPUT and OUTPUT are CSV (``.csv``, ``.csv.gz`` input) or Parquet by
extension. The CSV is written as AdhereR's tables are: its column names and row order, ISO
dates, ``NA`` for missing, ``NaN`` / ``Inf`` kept, ``TRUE`` / ``FALSE``.

Nothing is written when the input is rejected: the output goes to a temporary file that is
renamed only once it is complete. ``--engine spark`` runs the distributed path end to end
(:mod:`concord.cli.adherence_spark`): the same files, computed and written by Spark.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from concord.analytics.adherence import (
    AdherenceInputError,
    cma_per_episode,
    cma_sliding_window,
    compute_cma,
    event_intervals_and_gaps,
    treatment_episodes,
)
from concord.analytics.adherence.dates import r_to_strptime
from concord.analytics.adherence.inputs import read_table
from concord.analytics.adherence.pdc import proportion_of_days_covered

MEASURES = (
    *(f"CMA{i}" for i in range(1, 10)),
    "episodes",
    "per-episode",
    "sliding-window",
    "event-gaps",
    "pdc",
)

ADHERER_DEFAULT_DATE_FORMAT = "%m/%d/%Y"


@dataclass(frozen=True)
class Backend:
    """The functions one engine computes with: Polars tables or Spark DataFrames in and out.

    ``window_dates(frame, names, date_format)`` turns window columns of date text into dates
    (CSV has no Date type); ``options`` are extra keyword arguments of every call.
    """

    compute_cma: Callable[..., Any]
    event_intervals_and_gaps: Callable[..., Any]
    treatment_episodes: Callable[..., Any]
    cma_per_episode: Callable[..., Any]
    cma_sliding_window: Callable[..., Any]
    window_dates: Callable[[Any, list[str], str], Any]
    options: dict[str, Any]


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `concord` application."""
    app.command(
        "adherence",
        help="AdhereR-compatible adherence: CMA1-9, episodes, per-episode, sliding windows, "
        "event gaps, PDC. Options are AdhereR's arguments with dots turned into hyphens.",
        no_args_is_help=True,
    )(adherence_command)


# ---------------------------------------------------------------- parsing helpers


def parse_bool(value: str | None, option: str) -> bool | None:
    """``true`` / ``false`` (any case; also ``TRUE``, ``T``, ``1``, ``0``) or not given."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("true", "t", "1"):
        return True
    if text in ("false", "f", "0"):
        return False
    raise AdherenceInputError(f"{option} {value!r} is not true or false", column=option)


def parse_window_value(value: str | None, columns: list[str]) -> float | str | None:
    """A number of units, a column name, or a date string (left to the engine to parse)."""
    if value is None:
        return None
    if value in columns:
        return value
    try:
        return float(value)
    except ValueError:
        return value


def _date_columns_to_dates(frame: pl.DataFrame, names: list[str], date_format: str) -> pl.DataFrame:
    """CSV has no Date type: a window column of date strings is read as dates.

    (In R a column must have class ``Date`` to be read as dates; a CSV column of dates is the
    CLI's equivalent.)
    """
    fmt = r_to_strptime(date_format)
    for name in names:
        if frame.schema[name] == pl.String:
            parsed = frame.get_column(name).str.strptime(pl.Date, fmt, strict=False)
            if parsed.null_count() == frame.get_column(name).null_count():
                frame = frame.with_columns(parsed.alias(name))
    return frame


def read_medication_groups(value: str, columns: list[str]) -> str | dict[str, str]:
    """A CSV shaped like AdhereR's med.groups (``name``, ``definition``) or a column name."""
    if value in columns and not Path(value).exists():
        return value
    path = Path(value)
    if not path.exists():
        raise AdherenceInputError(
            f"--medication-groups {value!r} is neither a file nor a column of the input"
        )
    table = pl.read_csv(path, infer_schema=False)
    if table.columns[:2] != ["name", "definition"]:
        raise AdherenceInputError(
            f"{value}: a medication groups file needs the columns name, definition",
            column="name",
        )
    return dict(zip(table["name"].to_list(), table["definition"].to_list(), strict=True))


# ---------------------------------------------------------------- writing


def adherer_csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as the text AdhereR writes: NA, TRUE/FALSE, ISO dates, Inf, NaN."""
    columns = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Boolean:
            # a missing flag stays missing (NA), it is not FALSE
            text: pl.Expr = pl.when(col).then(pl.lit("TRUE")).when(~col).then(pl.lit("FALSE"))
        elif dtype.is_float():
            whole = col.is_finite() & (col == col.floor()) & (col.abs() < 1e15)
            text = (
                pl.when(col.is_nan())
                .then(pl.lit("NaN"))
                .when(col == float("inf"))
                .then(pl.lit("Inf"))
                .when(col == float("-inf"))
                .then(pl.lit("-Inf"))
                .when(whole)
                .then(col.cast(pl.Int64).cast(pl.String))
                .otherwise(col.map_elements(_seventeen_digits, return_dtype=pl.String))
            )
        else:
            text = col.cast(pl.String)
        columns.append(text.fill_null("NA").alias(name))
    return frame.select(columns)


def _seventeen_digits(value: float) -> str:
    """R's full-precision text of a double: 17 significant digits (``0.90000000000000002``)."""
    return f"{value:.17g}"


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only on success."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.exists():
        raise AdherenceInputError(f"output directory {str(directory)!r} does not exist")
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """CSV (AdhereR's text conventions) or Parquet, chosen by the extension, atomically."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise AdherenceInputError(f"output {str(path)!r} must end in .csv or .parquet")
    with atomic_output(path) as temporary:
        if suffix == ".parquet":
            frame.write_parquet(temporary)
        else:
            adherer_csv_frame(frame).write_csv(temporary, null_value="NA")


# ---------------------------------------------------------------- the command

Option = typer.Option


def adherence_command(
    measure: Annotated[
        str,
        typer.Argument(
            help="CMA1..CMA9, episodes, per-episode, sliding-window, event-gaps or pdc."
        ),
    ],
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Events: CSV or Parquet.")],
    out: Annotated[Path, Option("--out", "-o", help="Output file: .csv or .parquet.")],
    id_colname: Annotated[str, Option(help="ID.colname")] = "PATIENT_ID",
    event_date_colname: Annotated[str, Option(help="event.date.colname")] = "DATE",
    event_duration_colname: Annotated[str, Option(help="event.duration.colname")] = "DURATION",
    event_daily_dose_colname: Annotated[str | None, Option(help="event.daily.dose.colname")] = None,
    medication_class_colname: Annotated[str | None, Option(help="medication.class.colname")] = None,
    date_format: Annotated[
        str | None, Option(help="date.format (R codes, AdhereR default %m/%d/%Y)")
    ] = None,
    followup_window_start: Annotated[str | None, Option(help="days, a date or a column")] = None,
    followup_window_start_unit: Annotated[str, Option()] = "days",
    followup_window_duration: Annotated[str | None, Option(help="number or column")] = None,
    followup_window_duration_unit: Annotated[str, Option()] = "days",
    observation_window_start: Annotated[str | None, Option(help="days, a date or a column")] = None,
    observation_window_start_unit: Annotated[str, Option()] = "days",
    observation_window_duration: Annotated[str | None, Option(help="number or column")] = None,
    observation_window_duration_unit: Annotated[str, Option()] = "days",
    carryover_within_obs_window: Annotated[str | None, Option(help="true/false")] = None,
    carryover_into_obs_window: Annotated[str | None, Option(help="true/false")] = None,
    carry_only_for_same_medication: Annotated[str | None, Option(help="true/false")] = None,
    consider_dosage_change: Annotated[str | None, Option(help="true/false")] = None,
    medication_change_means_new_treatment_episode: Annotated[str | None, Option()] = None,
    dosage_change_means_new_treatment_episode: Annotated[str | None, Option()] = None,
    maximum_permissible_gap: Annotated[float | None, Option()] = None,
    maximum_permissible_gap_unit: Annotated[
        str, Option(help="days/weeks/months/years/percent")
    ] = "days",
    maximum_permissible_gap_append_to_episode: Annotated[str | None, Option()] = None,
    cma_to_apply: Annotated[
        str, Option(help="CMA.to.apply (per-episode, sliding-window)")
    ] = "CMA9",
    sliding_window_start: Annotated[float, Option()] = 0,
    sliding_window_start_unit: Annotated[str, Option()] = "days",
    sliding_window_duration: Annotated[float, Option()] = 90,
    sliding_window_duration_unit: Annotated[str, Option()] = "days",
    sliding_window_step_duration: Annotated[float, Option()] = 30,
    sliding_window_step_unit: Annotated[str, Option()] = "days",
    sliding_window_no_steps: Annotated[int | None, Option()] = None,
    medication_groups: Annotated[
        str | None, Option(help="CSV (name, definition) or a column")
    ] = None,
    followup_window_start_per_medication_group: Annotated[str | None, Option()] = None,
    keep_window_start_end_dates: Annotated[str | None, Option(help="event-gaps")] = None,
    remove_events_outside_followup_window: Annotated[str | None, Option(help="event-gaps")] = None,
    keep_event_interval_for_all_events: Annotated[str | None, Option(help="event-gaps")] = None,
    event_info: Annotated[
        bool, Option("--event-info", help="Write getEventInfo() instead.")
    ] = False,
    return_mapping_events_episodes: Annotated[str | None, Option(help="episodes")] = None,
    mapping_out: Annotated[Path | None, Option(help="File for the episode-event mapping.")] = None,
    period_start: Annotated[str | None, Option(help="pdc: measurement period start")] = None,
    period_end: Annotated[str | None, Option(help="pdc: measurement period end")] = None,
    drug_colname: Annotated[str | None, Option(help="pdc: drug column")] = None,
    threshold: Annotated[float | None, Option(help="pdc: adherence threshold (0.80)")] = None,
    engine: Annotated[
        str, Option(help="duckdb (default) or spark (Spark reads, computes and writes)")
    ] = "duckdb",
    quiet: Annotated[bool, Option("--quiet", "-q", help="No progress or summary.")] = False,
) -> None:
    """Compute an adherence measure the way AdhereR does and write the table."""
    options = {k: v for k, v in locals().items() if k not in ("measure", "input_path", "out")}
    console = Console(stderr=True, quiet=quiet)
    started = time.perf_counter()
    try:
        name = _canonical_measure(measure)
        if engine not in ("duckdb", "spark"):
            raise AdherenceInputError(f"unknown engine {engine!r}: use 'duckdb' or 'spark'")
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            if engine == "spark":
                from concord.cli.adherence_spark import run_on_spark

                summary = run_on_spark(name, input_path, out, options, progress)
            else:
                summary = _run_on_duckdb(name, input_path, out, options, progress)
    except AdherenceInputError as error:
        where = f" [column {error.column}]" if error.column else ""
        typer.echo(f"Error: {error}{where}", err=True)
        raise typer.Exit(code=1) from None
    events, patients, rows = summary
    elapsed = time.perf_counter() - started
    # One line whatever the terminal's width, so that logs and scripts can read it.
    console.print(
        f"{name}: {events} events, {patients} patients "
        f"-> {rows} rows written to {out} ({engine}, {elapsed:.2f} s)",
        soft_wrap=True,
        highlight=False,
    )


def _run_on_duckdb(
    name: str, input_path: Path, out: Path, options: dict[str, Any], progress: Progress
) -> tuple[int, int, int]:
    """Read with Polars, compute on DuckDB, write; return (events, patients, rows written)."""
    task = progress.add_task("reading input", total=3)
    frame = read_table(input_path)
    progress.update(task, advance=1, description=f"computing {name}")
    if name == "pdc":
        result, mapping = _pdc(frame, options), None
    else:
        backend = Backend(
            compute_cma=compute_cma,
            event_intervals_and_gaps=event_intervals_and_gaps,
            treatment_episodes=treatment_episodes,
            cma_per_episode=cma_per_episode,
            cma_sliding_window=cma_sliding_window,
            window_dates=_date_columns_to_dates,
            options={"engine": options["engine"]},
        )
        result, mapping = compute(name, frame, frame.columns, options, backend)
    progress.update(task, advance=1, description="writing output")
    if mapping is not None:
        write_table(mapping, mapping_path(options))
    write_table(result, out)
    progress.update(task, advance=1)
    return frame.height, frame.get_column(options["id_colname"]).n_unique(), result.height


def mapping_path(options: dict[str, Any]) -> Path:
    """Where ``--return-mapping-events-episodes true`` writes the mapping."""
    if options["mapping_out"] is None:
        raise AdherenceInputError("--return-mapping-events-episodes true needs --mapping-out FILE")
    path: Path = options["mapping_out"]
    return path


def _canonical_measure(measure: str) -> str:
    for known in MEASURES:
        if measure.lower() == known.lower():
            return known
    raise AdherenceInputError(f"unknown measure {measure!r}: use one of {', '.join(MEASURES)}")


def _flags(options: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for name in names:
        value = parse_bool(options[name], "--" + name.replace("_", "-"))
        if value is not None:
            flags[name] = value
    return flags


def compute(
    name: str, frame: Any, columns: list[str], o: dict[str, Any], backend: Backend
) -> tuple[Any, Any]:
    """Run measure ``name`` (not pdc) with the options ``o``; return (result, mapping)."""
    date_format = o["date_format"] or ADHERER_DEFAULT_DATE_FORMAT
    windows: dict[str, Any] = {}
    for key in (
        "followup_window_start",
        "followup_window_duration",
        "observation_window_start",
        "observation_window_duration",
    ):
        value = parse_window_value(o[key], columns)
        if value is not None:
            windows[key] = value
            windows[key + "_unit"] = o[key + "_unit"]
    named = [v for v in windows.values() if isinstance(v, str) and v in columns]
    if named:
        frame = backend.window_dates(frame, named, date_format)
    common: dict[str, Any] = {
        "id_colname": o["id_colname"],
        "event_date_colname": o["event_date_colname"],
        "event_duration_colname": o["event_duration_colname"],
        "event_daily_dose_colname": o["event_daily_dose_colname"],
        "medication_class_colname": o["medication_class_colname"],
        "date_format": date_format,
        **backend.options,
        **windows,
    }
    groups = None
    if o["medication_groups"] is not None:
        groups = read_medication_groups(o["medication_groups"], columns)
    carry = _flags(o, ("carry_only_for_same_medication", "consider_dosage_change"))
    episode_flags = _flags(
        o,
        (
            "medication_change_means_new_treatment_episode",
            "dosage_change_means_new_treatment_episode",
            "maximum_permissible_gap_append_to_episode",
        ),
    )
    gap: dict[str, Any] = {"maximum_permissible_gap_unit": o["maximum_permissible_gap_unit"]}
    if o["maximum_permissible_gap"] is not None:
        gap["maximum_permissible_gap"] = o["maximum_permissible_gap"]
    if name.startswith("CMA"):
        result = backend.compute_cma(
            name,
            frame,
            **common,
            **carry,
            **_flags(o, ("followup_window_start_per_medication_group",)),
            medication_groups=groups,
            event_info=o["event_info"],
        )
        if o["event_info"]:
            assert result.event_info is not None
            return result.event_info, None
        return result.cma, None
    if name == "event-gaps":
        table = backend.event_intervals_and_gaps(
            frame,
            **common,
            **carry,
            **_flags(
                o,
                (
                    "carryover_within_obs_window",
                    "carryover_into_obs_window",
                    "keep_window_start_end_dates",
                    "remove_events_outside_followup_window",
                    "keep_event_interval_for_all_events",
                ),
            ),
        )
        return table.events, None
    if name == "episodes":
        for key in ("observation_window_start", "observation_window_duration"):
            common.pop(key, None)
            common.pop(key + "_unit", None)
        mapping = parse_bool(
            o["return_mapping_events_episodes"], "--return-mapping-events-episodes"
        )
        episodes = backend.treatment_episodes(
            frame,
            **common,
            **carry,
            **episode_flags,
            **gap,
            **_flags(o, ("carryover_within_obs_window",)),
            return_mapping_events_episodes=bool(mapping),
        )
        return episodes.episodes, episodes.mapping
    if name == "per-episode":
        per_episode = backend.cma_per_episode(
            frame,
            cma_to_apply=o["cma_to_apply"],
            **common,
            **carry,
            **episode_flags,
            **gap,
            medication_groups=groups,
        )
        return per_episode.cma, None
    sliding = backend.cma_sliding_window(
        frame,
        cma_to_apply=o["cma_to_apply"],
        **common,
        **carry,
        sliding_window_start=o["sliding_window_start"],
        sliding_window_start_unit=o["sliding_window_start_unit"],
        sliding_window_duration=o["sliding_window_duration"],
        sliding_window_duration_unit=o["sliding_window_duration_unit"],
        sliding_window_step_duration=o["sliding_window_step_duration"],
        sliding_window_step_unit=o["sliding_window_step_unit"],
        sliding_window_no_steps=o["sliding_window_no_steps"],
        medication_groups=groups,
    )
    return sliding.cma, None


def _pdc(frame: pl.DataFrame, o: dict[str, Any]) -> pl.DataFrame:
    if o["period_start"] is None or o["period_end"] is None:
        raise AdherenceInputError("pdc needs --period-start and --period-end")
    extra: dict[str, Any] = {}
    if o["threshold"] is not None:
        extra["threshold"] = o["threshold"]
    if o["date_format"] is not None:
        extra["date_format"] = r_to_strptime(o["date_format"])
    call: Callable[..., pl.DataFrame] = proportion_of_days_covered
    return call(
        frame,
        id_col=o["id_colname"],
        date_col=o["event_date_colname"],
        duration_col=o["event_duration_colname"],
        class_col=o["medication_class_colname"],
        drug_col=o["drug_colname"],
        period_start=o["period_start"],
        period_end=o["period_end"],
        **extra,
    )
