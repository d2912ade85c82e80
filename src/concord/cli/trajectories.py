"""`concord trajectories ...`: sudden gains / losses, alliance signals, reliable change.

Sub-commands mirror the R package suddengains (options named after its
arguments, underscores turned into hyphens; booleans ``true``/``false``;
lists comma separated; ``null`` switches a criterion off) and write the
package's column names. Input: CSV (``NA`` or empty = missing) or Parquet.
Output: CSV (``NA`` for missing, ``TRUE``/``FALSE``) or Parquet by suffix.
Nothing is written when the input is rejected.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console

from concord.analytics.trajectories import (
    MULTIPLE_SELECT,
    AllianceSignalSettings,
    NoSuddenChangesError,
    TrajectoryInputError,
    alliance_events_table,
    define_crit1_cutoff,
    detect_alliance_signals,
    identify_sudden_gains,
    identify_sudden_losses,
    select_cases,
    session_changes_table,
    sudden_gains_by_gain,
    sudden_gains_by_person,
)
from concord.analytics.trajectories._input import numeric_column
from concord.analytics.trajectories.not_on_track import (
    NotOnTrackModelError,
    NotOnTrackSettings,
    flag_not_on_track,
    model_table,
)
from concord.analytics.trajectories.reliable_change import reliable_change_by_patient

app = typer.Typer(
    name="trajectories",
    help="Sudden gains and losses (suddengains-compatible) and alliance signals.",
    no_args_is_help=True,
)


def register(main_app: typer.Typer) -> None:
    """Add this area's commands to the `concord` application."""
    main_app.add_typer(app, name="trajectories")


# ---------------------------------------------------------------- parsing helpers


def parse_bool(value: str, option: str) -> bool:
    """``true``/``false`` (any case, also ``1``/``0``) as the package's TRUE/FALSE."""
    text = value.strip().lower()
    if text in ("true", "t", "1"):
        return True
    if text in ("false", "f", "0"):
        return False
    raise typer.BadParameter(f"{value!r} is not true or false", param_hint=option)


def parse_optional_float(value: str, option: str) -> float | None:
    """A number, or ``null``/``none`` (R's NULL) to switch the criterion off."""
    text = value.strip().lower()
    if text in ("null", "none", ""):
        return None
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a number or null", param_hint=option) from None


def parse_list(value: str, option: str) -> list[str]:
    """Comma-separated column names."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names:
        raise typer.BadParameter("give at least one column name", param_hint=option)
    return names


def parse_compat(value: str) -> str | None:
    """``suddengains`` or ``none``."""
    text = value.strip().lower()
    if text in ("none", "null", "", "default"):
        return None
    if text == "suddengains":
        return "suddengains"
    raise typer.BadParameter(f"{value!r}: use suddengains or none", param_hint="--compat")


def read_table(path: Path, *, text_columns: bool = True) -> pl.DataFrame:
    """Read CSV (all cells as text, parsed and checked by the core) or Parquet."""
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    try:
        table = pl.read_csv(
            path, infer_schema=not text_columns, null_values=["NA", ""], truncate_ragged_lines=False
        )
    except pl.exceptions.PolarsError as error:
        raise TrajectoryInputError(f"{path.name}: cannot read CSV: {error}") from error
    return table


def numeric_ids(table: pl.DataFrame, id_var_name: str) -> pl.DataFrame:
    """Integer ids when every id is written as a plain integer, so that 2 sorts before 10.

    Ids such as ``007`` or ``A12`` stay text, so that they are written back unchanged.
    """
    if id_var_name not in table.columns or table.schema[id_var_name] != pl.String:
        return table
    text = table.get_column(id_var_name)
    as_int = text.cast(pl.Int64, strict=False)
    same = (as_int.cast(pl.String) == text).fill_null(False)
    if bool(same.all()) and as_int.null_count() == text.null_count():
        return table.with_columns(as_int.alias(id_var_name))
    return table


def _csv_ready(table: pl.DataFrame) -> pl.DataFrame:
    """R-like text as readr writes it: TRUE/FALSE, ``23`` not ``23.0``, Inf/-Inf."""
    converted = []
    for name, dtype in table.schema.items():
        column = pl.col(name)
        if dtype == pl.Boolean:
            converted.append(
                pl.when(column.is_null())
                .then(pl.lit(None, dtype=pl.String))
                .when(column)
                .then(pl.lit("TRUE"))
                .otherwise(pl.lit("FALSE"))
                .alias(name)
            )
        elif dtype.is_float():
            whole = column.is_finite() & (column == column.round(0)) & (column.abs() < 2**53)
            converted.append(
                pl.when(column.is_null() | column.is_nan())
                .then(pl.lit(None, dtype=pl.String))
                .when(column == float("inf"))
                .then(pl.lit("Inf"))
                .when(column == float("-inf"))
                .then(pl.lit("-Inf"))
                .when(whole)
                .then(column.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(column.cast(pl.String))
                .alias(name)
            )
        else:
            converted.append(column)
    return table.select(converted)


def write_table(table: pl.DataFrame, out: Path) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(handle)
    try:
        if out.suffix.lower() == ".parquet":
            table.write_parquet(temporary)
        else:
            _csv_ready(table).write_csv(temporary, null_value="NA")
        os.replace(temporary, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


@contextlib.contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner on stderr while the work runs (silent when stderr is not a terminal)."""
    with Console(stderr=True).status(message):
        yield


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn input errors into a one-line message and exit code 1."""
    try:
        yield
    except (TrajectoryInputError, NoSuddenChangesError) as error:
        row = getattr(error, "row", None)
        # data rows are counted without the header; in a CSV file row N is line N + 1
        where = f" (CSV line {row + 1})" if row is not None else ""
        typer.echo(f"Error: {error}{where}", err=True)
        raise typer.Exit(code=1) from None


# ---------------------------------------------------------------- shared options

InputArg = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="INPUT", help="CSV or Parquet file."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", help="Output file (.csv or .parquet).")]
IdOpt = Annotated[str, typer.Option("--id-var-name", help="Id column.")]
VarListOpt = Annotated[
    str, typer.Option("--sg-var-list", help="Score columns in time order, comma separated.")
]
Crit1Opt = Annotated[
    str,
    typer.Option("--sg-crit1-cutoff", help="Criterion 1 cut-off (<= 0 for losses); null = off."),
]
Crit2Opt = Annotated[
    str, typer.Option("--sg-crit2-pct", help="Criterion 2 proportion; null = off.")
]
Crit3Opt = Annotated[str, typer.Option("--sg-crit3", help="Apply criterion 3 (true/false).")]
AlphaOpt = Annotated[float, typer.Option("--sg-crit3-alpha", help="Alpha of criterion 3.")]
AdjustOpt = Annotated[
    str,
    typer.Option("--sg-crit3-adjust", help="Adjust the critical value for missing values."),
]
CriticalOpt = Annotated[
    float,
    typer.Option("--sg-crit3-critical-value", help="Fixed critical value (adjust = false)."),
]
OneToTwoOpt = Annotated[
    str,
    typer.Option("--identify-sg-1to2", help="First column is a baseline (session 0)."),
]
DirectionOpt = Annotated[
    str,
    typer.Option("--direction", help="lower_is_better (symptoms) or higher_is_better (alliance)."),
]
ScaleMinOpt = Annotated[
    float,
    typer.Option("--crit2-scale-minimum", help="Criterion 2 on (score - minimum)."),
]
CompatOpt = Annotated[
    str,
    typer.Option("--compat", help="suddengains (reproduce 0.7.2 with its quirks) or none."),
]
DetailsOpt = Annotated[
    str, typer.Option("--crit123-details", help="Also write each criterion per interval.")
]
TxStartOpt = Annotated[str, typer.Option("--tx-start-var-name", help="Start-of-treatment column.")]
TxEndOpt = Annotated[str, typer.Option("--tx-end-var-name", help="End-of-treatment column.")]
MeasureOpt = Annotated[
    str, typer.Option("--sg-measure-name", help="Measure name used in column names.")
]
IdentifyOpt = Annotated[str, typer.Option("--identify", help="sg (gains) or sl (losses).")]


def _criteria_kwargs(
    sg_crit1_cutoff: str,
    sg_crit2_pct: str,
    sg_crit3: str,
    sg_crit3_alpha: float,
    sg_crit3_adjust: str,
    sg_crit3_critical_value: float,
    identify_sg_1to2: str,
    direction: str,
    crit2_scale_minimum: float,
    compat: str,
) -> dict[str, Any]:
    return {
        "sg_crit1_cutoff": parse_optional_float(sg_crit1_cutoff, "--sg-crit1-cutoff"),
        "sg_crit2_pct": parse_optional_float(sg_crit2_pct, "--sg-crit2-pct"),
        "sg_crit3": parse_bool(sg_crit3, "--sg-crit3"),
        "sg_crit3_alpha": sg_crit3_alpha,
        "sg_crit3_adjust": parse_bool(sg_crit3_adjust, "--sg-crit3-adjust"),
        "sg_crit3_critical_value": sg_crit3_critical_value,
        "identify_sg_1to2": parse_bool(identify_sg_1to2, "--identify-sg-1to2"),
        "direction": direction,
        "crit2_scale_minimum": crit2_scale_minimum,
        "compat": parse_compat(compat),
    }


def _identify_command(function: Callable[..., pl.DataFrame], name: str, help_text: str) -> None:
    @app.command(name, help=help_text)
    def command(
        input_path: InputArg,
        out: OutOpt,
        sg_var_list: VarListOpt,
        sg_crit1_cutoff: Crit1Opt,
        id_var_name: IdOpt = "id",
        sg_crit2_pct: Crit2Opt = "0.25",
        sg_crit3: Crit3Opt = "true",
        sg_crit3_alpha: AlphaOpt = 0.05,
        sg_crit3_adjust: AdjustOpt = "true",
        sg_crit3_critical_value: CriticalOpt = 2.776,
        identify_sg_1to2: OneToTwoOpt = "false",
        crit123_details: DetailsOpt = "false",
        direction: DirectionOpt = "lower_is_better",
        crit2_scale_minimum: ScaleMinOpt = 0.0,
        compat: CompatOpt = "none",
    ) -> None:
        kwargs = _criteria_kwargs(
            sg_crit1_cutoff,
            sg_crit2_pct,
            sg_crit3,
            sg_crit3_alpha,
            sg_crit3_adjust,
            sg_crit3_critical_value,
            identify_sg_1to2,
            direction,
            crit2_scale_minimum,
            compat,
        )
        details = parse_bool(crit123_details, "--crit123-details")
        columns = parse_list(sg_var_list, "--sg-var-list")
        with reported_errors(), working(f"{name}: {input_path.name}"):
            data = numeric_ids(read_table(input_path), id_var_name)
            table = function(data, id_var_name, columns, crit123_details=details, **kwargs)
            write_table(table, out)


_identify_command(
    identify_sudden_gains,
    "identify-sg",
    "Flag sudden gains per interval (suddengains::identify_sg).",
)
_identify_command(
    identify_sudden_losses,
    "identify-sl",
    "Flag sudden losses per interval (suddengains::identify_sl).",
)


def _by_command(name: str, help_text: str, *, by_person: bool) -> None:
    @app.command(name, help=help_text)
    def command(
        input_path: InputArg,
        out: OutOpt,
        sg_var_list: VarListOpt,
        sg_crit1_cutoff: Crit1Opt,
        tx_start_var_name: TxStartOpt,
        tx_end_var_name: TxEndOpt,
        sg_measure_name: MeasureOpt,
        id_var_name: IdOpt = "id",
        identify: IdentifyOpt = "sg",
        multiple_sg_select: Annotated[
            str,
            typer.Option(
                "--multiple-sg-select",
                help="first, last, smallest or largest (create-byperson only).",
            ),
        ] = "first",
        sg_crit2_pct: Crit2Opt = "0.25",
        sg_crit3: Crit3Opt = "true",
        sg_crit3_alpha: AlphaOpt = 0.05,
        sg_crit3_adjust: AdjustOpt = "true",
        sg_crit3_critical_value: CriticalOpt = 2.776,
        identify_sg_1to2: OneToTwoOpt = "false",
        direction: DirectionOpt = "lower_is_better",
        crit2_scale_minimum: ScaleMinOpt = 0.0,
        compat: CompatOpt = "none",
    ) -> None:
        kwargs = _criteria_kwargs(
            sg_crit1_cutoff,
            sg_crit2_pct,
            sg_crit3,
            sg_crit3_alpha,
            sg_crit3_adjust,
            sg_crit3_critical_value,
            identify_sg_1to2,
            direction,
            crit2_scale_minimum,
            compat,
        )
        if identify not in ("sg", "sl"):
            raise typer.BadParameter(f"{identify!r}: use sg or sl", param_hint="--identify")
        if multiple_sg_select not in MULTIPLE_SELECT:
            raise typer.BadParameter(
                f"{multiple_sg_select!r}: use {', '.join(MULTIPLE_SELECT)}",
                param_hint="--multiple-sg-select",
            )
        columns = parse_list(sg_var_list, "--sg-var-list")
        with reported_errors(), working(f"{name}: {input_path.name}"):
            data = numeric_ids(read_table(input_path), id_var_name)
            common = {
                "id_var_name": id_var_name,
                "sg_var_list": columns,
                "tx_start_var_name": tx_start_var_name,
                "tx_end_var_name": tx_end_var_name,
                "sg_measure_name": sg_measure_name,
                "identify": identify,
                **kwargs,
            }
            if by_person:
                table = sudden_gains_by_person(
                    data,
                    multiple_sg_select=multiple_sg_select,  # type: ignore[arg-type]
                    **common,
                )
            else:
                table = sudden_gains_by_gain(data, **common)
            write_table(table, out)


_by_command(
    "create-bysg",
    "One row per sudden gain/loss with reversal (suddengains::create_bysg).",
    by_person=False,
)
_by_command(
    "create-byperson",
    "One row per person with one selected gain/loss (suddengains::create_byperson).",
    by_person=True,
)


@app.command("select-cases")
def select_cases_command(
    input_path: InputArg,
    out: OutOpt,
    sg_var_list: VarListOpt,
    id_var_name: IdOpt = "id",
    method: Annotated[str, typer.Option("--method", help="pattern or min_sess.")] = "pattern",
    min_sess_num: Annotated[
        int | None, typer.Option("--min-sess-num", help="Minimum observed sessions (min_sess).")
    ] = None,
    return_id_lgl: Annotated[
        str, typer.Option("--return-id-lgl", help="Write id and sg_select for everyone.")
    ] = "false",
) -> None:
    """Persons with enough data for sudden gains (suddengains::select_cases)."""
    as_lgl = parse_bool(return_id_lgl, "--return-id-lgl")
    columns = parse_list(sg_var_list, "--sg-var-list")
    if method not in ("pattern", "min_sess"):
        raise typer.BadParameter(f"{method!r}: use pattern or min_sess", param_hint="--method")
    with reported_errors():
        data = numeric_ids(read_table(input_path), id_var_name)
        table = select_cases(
            data,
            id_var_name,
            columns,
            method=method,  # type: ignore[arg-type]
            min_sess_num=min_sess_num,
            return_id_lgl=as_lgl,
        )
        write_table(table, out)


@app.command("define-crit1-cutoff")
def define_crit1_cutoff_command(
    out: OutOpt,
    reliability: Annotated[float, typer.Option("--reliability", help="Reliability (0-1).")],
    input_path: Annotated[
        Path | None,
        typer.Argument(
            exists=True, dir_okay=False, metavar="[INPUT]", help="Data file (with --data-sd)."
        ),
    ] = None,
    data_sd: Annotated[
        str | None, typer.Option("--data-sd", help="Column whose SD is used (needs INPUT).")
    ] = None,
    sd: Annotated[float | None, typer.Option("--sd", help="SD given directly.")] = None,
) -> None:
    """Reliable-change cut-off for criterion 1 (suddengains::define_crit1_cutoff)."""
    with reported_errors():
        if data_sd is not None:
            if input_path is None:
                raise TrajectoryInputError("--data-sd needs an INPUT file")
            data = read_table(input_path)
            if data_sd not in data.columns:
                raise TrajectoryInputError("column not found in the data", column=data_sd)
            values = numeric_column(data, data_sd).to_numpy()
            result = define_crit1_cutoff(data_sd=values, reliability=reliability)
        else:
            result = define_crit1_cutoff(sd=sd, reliability=reliability)
        table = pl.DataFrame(
            {
                "sd": [result.sd],
                "reliability": [result.reliability],
                "standard_error_measurement": [result.standard_error_measurement],
                "standard_error_difference": [result.standard_error_difference],
                "reliable_change_value": [result.reliable_change_value],
            }
        )
        write_table(table, out)


@app.command("ruptures")
def ruptures_command(
    input_path: InputArg,
    out: OutOpt,
    patient_column: Annotated[
        str, typer.Option("--patient-column", help="Patient id column.")
    ] = "patient",
    session_column: Annotated[
        str, typer.Option("--session-column", help="Session number column (whole numbers).")
    ] = "session",
    score_column: Annotated[
        str, typer.Option("--score-column", help="Alliance score (end of session).")
    ] = "score",
    date_column: Annotated[
        str | None, typer.Option("--date-column", help="Session date column (evidence).")
    ] = None,
    pre_score_column: Annotated[
        str | None,
        typer.Option("--pre-score-column", help="Start-of-session score (within/between change)."),
    ] = None,
    concern_threshold: Annotated[
        float | None,
        typer.Option("--concern-threshold", help="Level rule, e.g. 36 for the SRS."),
    ] = None,
    threshold_inclusive: Annotated[
        str, typer.Option("--threshold-inclusive", help="score <= threshold (default <).")
    ] = "false",
    min_drop: Annotated[
        str, typer.Option("--min-drop", help="Drop rule in points; null = off.")
    ] = "1",
    lenient_sd: Annotated[float, typer.Option("--lenient-sd", help="Lenient SDs.")] = 1.0,
    strict_sd: Annotated[float, typer.Option("--strict-sd", help="Strict SDs.")] = 2.0,
    sample_sd: Annotated[
        float | None, typer.Option("--sample-sd", help="Sample SD (stricter SD is used).")
    ] = None,
    min_sd: Annotated[float, typer.Option("--min-sd", help="SD floor (ceiling guard).")] = 0.0,
    min_ratings: Annotated[
        int, typer.Option("--min-ratings", help="Ratings needed for rupture search.")
    ] = 3,
    scale_maximum: Annotated[
        float | None, typer.Option("--scale-maximum", help="Scale maximum (ceiling guard).")
    ] = None,
    ceiling_share: Annotated[
        float, typer.Option("--ceiling-share", help="Share at maximum for the ceiling guard.")
    ] = 0.5,
    sudden_crit1_cutoff: Annotated[
        float | None,
        typer.Option("--sudden-crit1-cutoff", help="Sudden alliance gains/losses (off if unset)."),
    ] = None,
    sudden_crit2_pct: Annotated[
        float | None, typer.Option("--sudden-crit2-pct", help="Criterion 2 (off if unset).")
    ] = None,
    scale_minimum: Annotated[
        float, typer.Option("--scale-minimum", help="Scale minimum for criterion 2.")
    ] = 0.0,
    session_changes_out: Annotated[
        Path | None,
        typer.Option("--session-changes-out", help="Also write within/between session change."),
    ] = None,
) -> None:
    """Alliance signals from long-format session ratings (one row per event)."""
    settings = AllianceSignalSettings(
        concern_threshold=concern_threshold,
        threshold_inclusive=parse_bool(threshold_inclusive, "--threshold-inclusive"),
        min_drop=parse_optional_float(min_drop, "--min-drop"),
        lenient_sd=lenient_sd,
        strict_sd=strict_sd,
        sample_sd=sample_sd,
        min_sd=min_sd,
        min_ratings_for_ruptures=min_ratings,
        scale_maximum=scale_maximum,
        ceiling_share=ceiling_share,
        sudden_crit1_cutoff=sudden_crit1_cutoff,
        sudden_crit2_pct=sudden_crit2_pct,
        scale_minimum=scale_minimum,
    )
    with reported_errors(), working(f"ruptures: {input_path.name}"):
        data = numeric_ids(read_table(input_path), patient_column)
        signals = detect_alliance_signals(
            data,
            settings,
            patient=patient_column,
            session=session_column,
            score=score_column,
            date=date_column,
            pre_score=pre_score_column,
        )
        events = alliance_events_table(signals)
        if session_changes_out is not None:
            write_table(session_changes_table(signals), session_changes_out)
        write_table(events, out)


@app.command("reliable-change")
def reliable_change_command(
    input_path: InputArg,
    out: OutOpt,
    reliability: Annotated[float, typer.Option("--reliability", help="Reliability (0-1).")],
    patient_column: Annotated[
        str, typer.Option("--patient-column", help="Patient id column.")
    ] = "patient",
    session_column: Annotated[
        str, typer.Option("--session-column", help="Session number column.")
    ] = "session",
    score_column: Annotated[str, typer.Option("--score-column", help="Score column.")] = "score",
    sd_pre: Annotated[
        float | None,
        typer.Option("--sd-pre", help="Pre-treatment SD (default: SD of the complete pairs)."),
    ] = None,
    higher_is_better: Annotated[
        str, typer.Option("--higher-is-better", help="Direction of the scale (true/false).")
    ] = "false",
    cutoff: Annotated[
        float | None,
        typer.Option("--cutoff", help="Functional cut-off (Jacobson & Truax a, b or c)."),
    ] = None,
    pre_session: Annotated[
        int | None, typer.Option("--pre-session", help="Pre session (default: first rated).")
    ] = None,
    post_session: Annotated[
        int | None, typer.Option("--post-session", help="Post session (default: last rated).")
    ] = None,
) -> None:
    """Reliable (and clinically significant) change per patient (Jacobson & Truax 1991)."""
    better = parse_bool(higher_is_better, "--higher-is-better")
    with reported_errors():
        data = numeric_ids(read_table(input_path), patient_column)
        table = reliable_change_by_patient(
            data,
            reliability=reliability,
            sd_pre=sd_pre,
            higher_is_better=better,
            cutoff=cutoff,
            pre_session=pre_session,
            post_session=post_session,
            patient=patient_column,
            session=session_column,
            score=score_column,
        )
        write_table(table, out)


@app.command("not-on-track")
def not_on_track_command(
    input_path: InputArg,
    out: OutOpt,
    patient_column: Annotated[
        str, typer.Option("--patient-column", help="Patient id column.")
    ] = "patient",
    session_column: Annotated[
        str, typer.Option("--session-column", help="Session number column (whole numbers).")
    ] = "session",
    score_column: Annotated[
        str, typer.Option("--score-column", help="Outcome score column (e.g. PHQ-9 total).")
    ] = "score",
    direction: Annotated[
        str,
        typer.Option("--direction", help="lower_is_better (symptoms) or higher_is_better."),
    ] = "lower_is_better",
    percentile: Annotated[
        float,
        typer.Option("--percentile", help="Flag scores worse than this prediction percentile."),
    ] = 90.0,
    time_shape: Annotated[
        str, typer.Option("--time-shape", help="log, linear or quadratic time term.")
    ] = "log",
    min_patients: Annotated[
        int, typer.Option("--min-patients", help="Patients with later scores needed to fit.")
    ] = 20,
    max_fit_patients: Annotated[
        int | None,
        typer.Option("--max-fit-patients", help="Fit on a seeded sample of this many patients."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of that sample.")] = 0,
    scores_out: Annotated[
        Path | None,
        typer.Option("--scores-out", help="Also write every post-baseline score judged."),
    ] = None,
    model_out: Annotated[
        Path | None, typer.Option("--model-out", help="Also write the fitted parameters.")
    ] = None,
) -> None:
    """Outcome not on track: expected recovery curves (mixed model), one row per patient."""
    with reported_errors(), working(f"not-on-track: {input_path.name}"):
        settings = NotOnTrackSettings(
            direction=direction,  # type: ignore[arg-type]
            percentile=percentile,
            time_shape=time_shape,  # type: ignore[arg-type]
            min_patients=min_patients,
            min_patients_with_slope=min(10, min_patients),
            max_fit_patients=max_fit_patients,
            seed=seed,
        )
        data = numeric_ids(read_table(input_path), patient_column)
        try:
            result = flag_not_on_track(
                data,
                settings,
                patient=patient_column,
                session=session_column,
                score=score_column,
            )
        except NotOnTrackModelError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(code=1) from None
        names = {"patient": patient_column}
        if scores_out is not None:
            write_table(result.scores.rename(names), scores_out)
        if model_out is not None:
            write_table(model_table(result.model), model_out)
        write_table(result.patients.rename(names), out)
