"""`concord adherence MEASURE INPUT --out OUTPUT`: AdhereR-compatible adherence measures.

MEASURE is ``CMA1`` ... ``CMA9``, ``episodes``, ``per-episode``, ``sliding-window``,
``event-gaps`` or ``pdc``. Every AdhereR argument is an option named after it with the dots
turned into hyphens (``--ID-colname`` is spelled ``--id-colname``), so an R call moves over by
reading it; booleans are ``true`` / ``false``. A window start or duration may be a number, a
date in ``--date-format`` (R codes) or the name of a column (numbers of days, or dates in
``--date-format``). INPUT and OUTPUT are CSV (``.csv``, ``.csv.gz`` input) or Parquet by
extension. The CSV is written as AdhereR's tables are: its column names and row order, ISO
dates, ``NA`` for missing, ``NaN`` / ``Inf`` kept, ``TRUE`` / ``FALSE``.

Before any input is read, the options are checked against the measure
(:mod:`concord.cli.adherence_options`: an option that would do nothing is an error) and every
output path is checked (:mod:`concord.cli.adherence_output`). The outputs are written to
temporary files and renamed together only when all of them are complete: a failed run
leaves nothing behind. ``--engine spark`` runs the distributed path end to end
(:mod:`concord.cli.adherence_spark`): the same files, computed and written by Spark.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
from concord.analytics.adherence.core import MED_GROUP_COLUMN, WINDOW_FIT_ERROR
from concord.analytics.adherence.dates import r_to_strptime
from concord.analytics.adherence.inputs import read_table
from concord.analytics.adherence.pdc import proportion_of_days_covered
from concord.cli.adherence_options import (
    OptionError,
    check_options,
    option_name,
    parse_bool,
    parse_number,
)
from concord.cli.adherence_output import (
    adherer_csv_frame,
    check_output_paths,
    group_output_path,
    write_polars_table,
    write_table,
)
from concord.cli.output_files import staged_outputs

__all__ = [
    "Backend",
    "RunSummary",
    "adherence_command",
    "adherer_csv_frame",
    "compute",
    "parse_bool",
    "register",
    "write_table",
]

MEASURES = (
    *(f"CMA{i}" for i in range(1, 10)),
    "episodes",
    "per-episode",
    "sliding-window",
    "event-gaps",
    "pdc",
)

ADHERER_DEFAULT_DATE_FORMAT = "%m/%d/%Y"
EVENT_INTERVAL, GAP_DAYS = "event.interval", "gap.days"  # AdhereR's default column names


@dataclass(frozen=True)
class Backend:
    """The functions one engine computes with: Polars tables or Spark DataFrames in and out.

    ``window_dates(frame, names, date_format)`` turns window columns of date text into dates
    (CSV has no Date type); ``rename(frame, {old: new})`` renames columns;
    ``split_groups(frame, column)`` returns ``[(group, rows without column)]`` in row order;
    ``keep_ids(frame, ids, id_column)`` keeps the rows whose ID is among the ID column of
    ``ids``, in order; ``options`` are extra keyword arguments of every call.
    """

    compute_cma: Callable[..., Any]
    event_intervals_and_gaps: Callable[..., Any]
    treatment_episodes: Callable[..., Any]
    cma_per_episode: Callable[..., Any]
    cma_sliding_window: Callable[..., Any]
    window_dates: Callable[[Any, list[str], str], Any]
    rename: Callable[[Any, dict[str, str]], Any]
    split_groups: Callable[[Any, str], list[tuple[str, Any]]]
    keep_ids: Callable[[Any, Any, str], Any]
    options: dict[str, Any]


@dataclass
class RunSummary:
    """What a run read and wrote: input events and patients, rows written per file."""

    events: int
    patients: int
    written: list[tuple[Path, int]] = field(default_factory=list)

    def line(self, name: str, engine: str, elapsed: float) -> str:
        """``CMA9: 1080 events, 100 patients -> 100 rows written to cma9.csv (duckdb, 0.1 s)``."""
        files = [f"{rows} rows written to {path}" for path, rows in self.written[:1]]
        files += [f"{rows} rows to {path}" for path, rows in self.written[1:]]
        return (
            f"{name}: {self.events} events, {self.patients} patients -> {', '.join(files)} "
            f"({engine}, {elapsed:.2f} s)"
        )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `concord` application."""
    app.command(
        "adherence",
        help="AdhereR-compatible adherence: CMA1-9, episodes, per-episode, sliding windows, "
        "event gaps, PDC. Options are AdhereR's arguments with dots turned into hyphens.",
        no_args_is_help=True,
    )(adherence_command)


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


def _split_polars_groups(frame: pl.DataFrame, column: str) -> list[tuple[str, pl.DataFrame]]:
    parts = frame.partition_by(column, maintain_order=True)
    return [(str(part.get_column(column)[0]), part.drop(column)) for part in parts]


def _keep_polars_ids(frame: pl.DataFrame, ids: pl.DataFrame, id_column: str) -> pl.DataFrame:
    return frame.filter(pl.col(id_column).is_in(ids.get_column(id_column).implode()))


POLARS_BACKEND = Backend(
    compute_cma=compute_cma,
    event_intervals_and_gaps=event_intervals_and_gaps,
    treatment_episodes=treatment_episodes,
    cma_per_episode=cma_per_episode,
    cma_sliding_window=cma_sliding_window,
    window_dates=_date_columns_to_dates,
    rename=lambda frame, names: frame.rename(names),
    split_groups=_split_polars_groups,
    keep_ids=_keep_polars_ids,
    options={"engine": "duckdb"},
)


def read_medication_groups(value: str, columns: list[str]) -> str | dict[str, str]:
    """A CSV shaped like AdhereR's med.groups (``name``, ``definition``) or a column name."""
    if value in columns and not Path(value).exists():
        return value
    path = Path(value)
    if not path.exists():
        raise OptionError(
            f"--medication-groups {value!r} is neither a file nor a column of the input",
            "--medication-groups",
        )
    table = pl.read_csv(path, infer_schema=False)
    if table.columns[:2] != ["name", "definition"]:
        raise AdherenceInputError(
            f"{value}: a medication groups file needs the columns name, definition",
            column="name",
        )
    return dict(zip(table["name"].to_list(), table["definition"].to_list(), strict=True))


# ---------------------------------------------------------------- the command

Option = typer.Option


def adherence_command(
    ctx: typer.Context,
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
    followup_window_start: Annotated[
        str | None, Option(help="units after the first event, a date or a column (default 0)")
    ] = None,
    followup_window_start_unit: Annotated[str, Option(help="days/weeks/months/years")] = "days",
    followup_window_duration: Annotated[
        str | None, Option(help="positive number or column (default 730)")
    ] = None,
    followup_window_duration_unit: Annotated[str, Option(help="days/weeks/months/years")] = "days",
    observation_window_start: Annotated[
        str | None, Option(help="units after the FUW start, a date or a column (default 0)")
    ] = None,
    observation_window_start_unit: Annotated[str, Option(help="days/weeks/months/years")] = "days",
    observation_window_duration: Annotated[
        str | None, Option(help="positive number or column (default 730)")
    ] = None,
    observation_window_duration_unit: Annotated[
        str, Option(help="days/weeks/months/years")
    ] = "days",
    carryover_within_obs_window: Annotated[str | None, Option(help="true/false")] = None,
    carryover_into_obs_window: Annotated[str | None, Option(help="true/false")] = None,
    carry_only_for_same_medication: Annotated[str | None, Option(help="true/false")] = None,
    consider_dosage_change: Annotated[str | None, Option(help="true/false")] = None,
    medication_change_means_new_treatment_episode: Annotated[str | None, Option()] = None,
    dosage_change_means_new_treatment_episode: Annotated[
        str | None, Option(help="no effect, as in AdhereR")
    ] = None,
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
    flatten_medication_groups: Annotated[
        str | None,
        Option(help="true: one table with the group column (default); false: a file per group"),
    ] = None,
    medication_groups_colname: Annotated[
        str | None, Option(help="the group column of the flat table (default .MED_GROUP_ID)")
    ] = None,
    followup_window_start_per_medication_group: Annotated[str | None, Option()] = None,
    keep_window_start_end_dates: Annotated[str | None, Option(help="event-gaps")] = None,
    remove_events_outside_followup_window: Annotated[str | None, Option(help="event-gaps")] = None,
    keep_event_interval_for_all_events: Annotated[str | None, Option(help="event-gaps")] = None,
    event_interval_colname: Annotated[
        str, Option(help="event-gaps, --event-info")
    ] = EVENT_INTERVAL,
    gap_days_colname: Annotated[str, Option(help="event-gaps, --event-info")] = GAP_DAYS,
    force_na_cma_for_failed_patients: Annotated[
        str | None,
        Option(help="true (default): NA row; false: leave out patients without a FUW event"),
    ] = None,
    event_info: Annotated[
        bool, Option("--event-info", help="Write getEventInfo() instead.")
    ] = False,
    return_mapping_events_episodes: Annotated[str | None, Option(help="episodes")] = None,
    mapping_out: Annotated[Path | None, Option(help="File for the episode-event mapping.")] = None,
    period_start: Annotated[str | None, Option(help="pdc: measurement period start")] = None,
    period_end: Annotated[str | None, Option(help="pdc: measurement period end")] = None,
    drug_colname: Annotated[str | None, Option(help="pdc: drug column")] = None,
    threshold: Annotated[float | None, Option(help="pdc: adherence threshold (0.80)")] = None,
    parallel_backend: Annotated[
        str, Option(help="accepted, ignored: the engine parallelises on its own")
    ] = "none",
    parallel_threads: Annotated[
        str, Option(help="accepted, ignored: the engine parallelises on its own")
    ] = "auto",
    engine: Annotated[
        str, Option(help="duckdb (default) or spark (Spark reads, computes and writes)")
    ] = "duckdb",
    quiet: Annotated[
        bool, Option("--quiet", "-q", help="No progress, notices or summary.")
    ] = False,
) -> None:
    """Compute an adherence measure the way AdhereR does and write the table."""
    options = {
        k: v for k, v in locals().items() if k not in ("ctx", "measure", "input_path", "out")
    }
    options["given"] = _given_on_command_line(ctx, options)
    console = Console(stderr=True, quiet=quiet)
    started = time.perf_counter()
    try:
        name = _canonical_measure(measure)
        if engine not in ("duckdb", "spark"):
            raise OptionError(f"unknown engine {engine!r}: use 'duckdb' or 'spark'", "--engine")
        if name == "pdc" and engine == "spark":
            raise OptionError(
                "pdc is computed with Polars only: leave out --engine spark", "--engine"
            )
        notices = check_options(name, options, options["given"])
        paths = {"--out": out}
        if mapping_out is not None:
            paths["--mapping-out"] = mapping_out
        check_output_paths(paths)
        for notice in notices:
            console.print(f"Note: {notice}", soft_wrap=True, highlight=False, markup=False)
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
    except OptionError as error:
        typer.echo(f"Error: {error}{error.where()}", err=True)
        raise typer.Exit(code=1) from None
    except AdherenceInputError as error:
        where = f" [column {error.column}]" if error.column else ""
        typer.echo(f"Error: {error}{where}", err=True)
        raise typer.Exit(code=1) from None
    except OSError as error:  # reading or writing failed: no output was written
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(code=1) from None
    # One line whatever the terminal's width, so that logs and scripts can read it.
    console.print(
        summary.line(name, engine, time.perf_counter() - started),
        soft_wrap=True,
        highlight=False,
        markup=False,
    )


def _given_on_command_line(ctx: typer.Context, options: dict[str, Any]) -> frozenset[str]:
    """The options given on the command line (or by environment), not left at their default."""
    given = set()
    for name in options:
        source = ctx.get_parameter_source(name)
        # Typer's vendored Click has its own ParameterSource enum: compare by name
        if source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
            given.add(name)
    return frozenset(given)


def _run_on_duckdb(
    name: str, input_path: Path, out: Path, options: dict[str, Any], progress: Progress
) -> RunSummary:
    """Read with Polars, compute on DuckDB, write every output together."""
    task = progress.add_task("reading input", total=3)
    frame = read_table(input_path)
    progress.update(task, advance=1, description=f"computing {name}")
    if name == "pdc":
        tables: list[tuple[Path, Any]] = [(out, _pdc(frame, options))]
    else:
        tables = compute(name, frame, frame.columns, options, POLARS_BACKEND, out)
    progress.update(task, advance=1, description="writing output")
    summary = RunSummary(frame.height, frame.get_column(options["id_colname"]).n_unique())
    with staged_outputs() as staged:
        for path, table in tables:
            summary.written.append((path, write_polars_table(table, staged.add(path), path)))
    progress.update(task, advance=1)
    return summary


def _canonical_measure(measure: str) -> str:
    for known in MEASURES:
        if measure.lower() == known.lower():
            return known
    raise AdherenceInputError(f"unknown measure {measure!r}: use one of {', '.join(MEASURES)}")


def _flags(options: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    for name in names:
        value = parse_bool(options[name], option_name(name))
        if value is not None:
            flags[name] = value
    return flags


# ---------------------------------------------------------------- computing


def compute(
    name: str, frame: Any, columns: list[str], o: dict[str, Any], backend: Backend, out: Path
) -> list[tuple[Path, Any]]:
    """Run measure ``name`` (not pdc) with the options ``o``; return ``[(path, table)]``.

    The tables are those to write: the result (or one per medication group with
    ``--flatten-medication-groups false``) and the episode mapping, with the output column
    names asked for.
    """
    date_format = o["date_format"] or ADHERER_DEFAULT_DATE_FORMAT
    windows = _window_arguments(name, o, columns, date_format)
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
    try:
        result, mapping, fuw_events = _call(name, frame, o, backend, common, groups)
    except AdherenceInputError as error:
        if str(error).startswith(WINDOW_FIT_ERROR):
            raise _window_fit_error(error, o, columns) from None
        raise
    if fuw_events is not None:
        # force.NA.CMA.for.failed.patients = FALSE: AdhereR leaves out the patients its
        # per-patient computation never reaches, those without an event in the FUW
        result = backend.keep_ids(result, fuw_events, o["id_colname"])
    result = _rename_columns(name, result, o, backend)
    tables: list[tuple[Path, Any]] = [(out, result)]
    if groups is not None and parse_bool(o["flatten_medication_groups"], "") is False:
        tables = [
            (group_output_path(out, group), table)
            for group, table in backend.split_groups(result, MED_GROUP_COLUMN)
        ]
    if mapping is not None:
        tables.append((o["mapping_out"], mapping))
    return tables


def _window_arguments(
    name: str, o: dict[str, Any], columns: list[str], date_format: str
) -> dict[str, Any]:
    """The window keyword arguments: each value given, and every unit (AdhereR applies a
    unit given alone to the default value)."""
    keys = ["followup_window_start", "followup_window_duration"]
    if name != "episodes":
        keys += ["observation_window_start", "observation_window_duration"]
    windows: dict[str, Any] = {}
    for key in keys:
        windows[key + "_unit"] = o[key + "_unit"]
        value = o[key]
        if value is None:
            continue
        number = parse_number(value)
        if value in columns:
            windows[key] = value
        elif number is not None:
            windows[key] = number
        elif key.endswith("_duration"):
            raise OptionError(
                f"{option_name(key)} {value!r} is neither a number nor a column of the input",
                option_name(key),
            )
        elif _parses_as_date(value, date_format):
            windows[key] = value
        else:
            raise OptionError(
                f"{option_name(key)} {value!r} is neither a number, a column of the input nor "
                f"a date in --date-format {date_format!r}",
                option_name(key),
            )
    return windows


def _parses_as_date(text: str, date_format: str) -> bool:
    try:
        dt.datetime.strptime(text.strip(), r_to_strptime(date_format))
    except ValueError:
        return False
    return True


def _window_fit_error(
    error: AdherenceInputError, o: dict[str, Any], columns: list[str]
) -> OptionError:
    """The containment error, naming the window options (or columns) that set the failing
    edge instead of the ID column: the OW start for an OW starting before the FUW; the OW
    start, OW duration and FUW duration for an OW ending after it."""
    text = str(error)
    starts_before = "(it starts before" in text
    ends_after = "ends after it)" in text
    candidates: list[str] = []
    if starts_before:
        candidates += ["observation_window_start", "followup_window_start"]
    if ends_after:
        candidates += [
            "observation_window_start",
            "observation_window_duration",
            "followup_window_duration",
        ]
    candidates = list(dict.fromkeys(candidates))
    chosen = [c for c in candidates if o[c] is not None]
    units = [c + "_unit" for c in candidates if c + "_unit" in o["given"]]
    if not chosen and not units:
        chosen = ["observation_window_start" if starts_before else "observation_window_duration"]
    named_columns = [o[c] for c in chosen if o[c] is not None and o[c] in columns]
    names = [option_name(c) for c in chosen if not (o[c] is not None and o[c] in columns)]
    return OptionError(text, *names, *map(option_name, units), columns=named_columns)


def _call(
    name: str,
    frame: Any,
    o: dict[str, Any],
    backend: Backend,
    common: dict[str, Any],
    groups: str | dict[str, str] | None,
) -> tuple[Any, Any, Any]:
    """Run the measure; return (result, mapping or None, FUW events or None)."""
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
        drop_failed = parse_bool(o["force_na_cma_for_failed_patients"], "") is False
        result = backend.compute_cma(
            name,
            frame,
            **common,
            **carry,
            **_flags(o, ("followup_window_start_per_medication_group",)),
            medication_groups=groups,
            event_info=o["event_info"] or drop_failed,
        )
        if o["event_info"]:
            return result.event_info, None, None
        return result.cma, None, result.event_info if drop_failed else None
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
        return table.events, None, None
    if name == "episodes":
        mapping = parse_bool(o["return_mapping_events_episodes"], "")
        episodes = backend.treatment_episodes(
            frame,
            **common,
            **carry,
            **episode_flags,
            **gap,
            **_flags(o, ("carryover_within_obs_window",)),
            return_mapping_events_episodes=bool(mapping),
        )
        return episodes.episodes, episodes.mapping, None
    if name == "per-episode":
        per_episode = backend.cma_per_episode(
            frame,
            cma_to_apply=o["cma_to_apply"].upper(),
            **common,
            **carry,
            **episode_flags,
            **gap,
            medication_groups=groups,
        )
        return per_episode.cma, None, None
    sliding = backend.cma_sliding_window(
        frame,
        cma_to_apply=o["cma_to_apply"].upper(),
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
    return sliding.cma, None, None


def _rename_columns(name: str, table: Any, o: dict[str, Any], backend: Backend) -> Any:
    """AdhereR's output column names asked for: event.interval, gap.days, .MED_GROUP_ID."""
    names: dict[str, tuple[str, str]] = {}  # old -> (new, option)
    if name == "event-gaps" or (name.startswith("CMA") and o["event_info"]):
        names[EVENT_INTERVAL] = (o["event_interval_colname"], "--event-interval-colname")
        names[GAP_DAYS] = (o["gap_days_colname"], "--gap-days-colname")
    if o["medication_groups_colname"] is not None:
        names[MED_GROUP_COLUMN] = (o["medication_groups_colname"], "--medication-groups-colname")
    renames = {old: new for old, (new, _) in names.items() if old != new and old in table.columns}
    for old, new in renames.items():
        if new in table.columns:
            raise OptionError(
                f"{names[old][1]} {new!r}: the output already has a column {new!r}", names[old][1]
            )
    return backend.rename(table, renames) if renames else table


def _pdc(frame: pl.DataFrame, o: dict[str, Any]) -> pl.DataFrame:
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
