"""The suddengains-shaped sub-commands of `concord trajectories`.

Options are suddengains 0.7.2's argument names with underscores turned into hyphens
(booleans ``true``/``false``; lists comma separated; ``null`` switches a criterion
off). Impossible values, and options that would have no effect in the combination
given, are usage errors (exit code 2) raised before the input is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from concord.analytics.psychometrics import PsychometricsInputError, cronbach_alpha
from concord.analytics.trajectories import (
    MULTIPLE_SELECT,
    TrajectoryInputError,
    define_crit1_cutoff,
    identify_sudden_gains,
    identify_sudden_losses,
    select_cases,
    sudden_gains_by_gain,
    sudden_gains_by_person,
)
from concord.analytics.trajectories._input import numeric_column, score_matrix
from concord.analytics.trajectories.cli_by_person import sudden_gains_by_person_from_bysg
from concord.cli.trajectories_io import (
    numeric_ids,
    read_table,
    reported_errors,
    working,
    write_table,
)
from concord.cli.trajectories_options import (
    CompatNoEffectOpt,
    CompatOpt,
    InputArg,
    OutOpt,
    check_number,
    parse_bool,
    parse_choice,
    parse_compat,
    parse_list,
    parse_optional_float,
    reject_unused,
    require,
    usage_error,
)

DIRECTIONS = ("lower_is_better", "higher_is_better")

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
AlphaOpt = Annotated[
    float, typer.Option("--sg-crit3-alpha", help="Alpha of criterion 3 (adjust = true).")
]
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
DetailsOpt = Annotated[
    str, typer.Option("--crit123-details", help="Also write each criterion per interval.")
]
TxStartOpt = Annotated[str, typer.Option("--tx-start-var-name", help="Start-of-treatment column.")]
TxEndOpt = Annotated[str, typer.Option("--tx-end-var-name", help="End-of-treatment column.")]
MeasureOpt = Annotated[
    str, typer.Option("--sg-measure-name", help="Measure name used in column names.")
]
IdentifyOpt = Annotated[str, typer.Option("--identify", help="sg (gains) or sl (losses).")]

# parameter names of the search; create-byperson --data-is-bysg true uses none of them
SEARCH_OPTIONS = (
    "sg_var_list",
    "sg_crit1_cutoff",
    "tx_start_var_name",
    "tx_end_var_name",
    "sg_measure_name",
    "identify",
    "sg_crit2_pct",
    "sg_crit3",
    "sg_crit3_alpha",
    "sg_crit3_adjust",
    "sg_crit3_critical_value",
    "identify_sg_1to2",
    "direction",
    "crit2_scale_minimum",
)


def criteria_kwargs(
    ctx: typer.Context,
    *,
    identify: str,
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
    """Parse and check the criteria options; keyword arguments of the analytics functions."""
    crit1 = parse_optional_float(sg_crit1_cutoff, "--sg-crit1-cutoff")
    crit2 = parse_optional_float(sg_crit2_pct, "--sg-crit2-pct")
    crit3 = parse_bool(sg_crit3, "--sg-crit3")
    adjust = parse_bool(sg_crit3_adjust, "--sg-crit3-adjust")
    one_to_two = parse_bool(identify_sg_1to2, "--identify-sg-1to2")
    direction = parse_choice(direction, "--direction", DIRECTIONS)
    mode = parse_compat(compat)
    if crit1 is not None and identify == "sg" and crit1 < 0:
        raise typer.BadParameter(
            f"{crit1:g} is not allowed: must be zero or positive for sudden gains",
            param_hint="--sg-crit1-cutoff",
        )
    if crit1 is not None and identify == "sl" and crit1 > 0:
        raise typer.BadParameter(
            f"{crit1:g} is not allowed: must be zero or negative for sudden losses",
            param_hint="--sg-crit1-cutoff",
        )
    # a decrease from a to b >= minimum is at most (a - minimum): a share above 1 never passes
    decrease = (identify == "sg") == (direction == "lower_is_better")
    if crit2 is not None and decrease and (mode is None or identify == "sg"):
        share = abs(crit2) if mode is None else crit2
        if share > 1:
            raise typer.BadParameter(
                f"{crit2:g} is not allowed: a decrease is never more than 100 % of the pre "
                "score, so the criterion could never be met (0.25 = 25 %)",
                param_hint="--sg-crit2-pct",
            )
    check_number(sg_crit3_alpha, "--sg-crit3-alpha", above=0, below=1, meaning="an alpha")
    check_number(sg_crit3_critical_value, "--sg-crit3-critical-value", above=0, meaning="a t value")
    check_number(crit2_scale_minimum, "--crit2-scale-minimum")
    if mode is not None and direction != "lower_is_better":
        raise typer.BadParameter(
            "suddengains has no score direction: with --compat suddengains use "
            "lower_is_better (identify-sl with negative cut-offs finds increases)",
            param_hint="--direction",
        )
    if mode is not None:
        reject_unused(
            ctx, ["crit2_scale_minimum"], "with --compat suddengains (not in the package)"
        )
    if not crit3:
        reject_unused(
            ctx,
            ["sg_crit3_alpha", "sg_crit3_adjust", "sg_crit3_critical_value"],
            "with --sg-crit3 false",
        )
    elif adjust:
        reject_unused(
            ctx,
            ["sg_crit3_critical_value"],
            "with --sg-crit3-adjust true (the critical value follows from --sg-crit3-alpha)",
        )
    else:
        reject_unused(
            ctx,
            ["sg_crit3_alpha"],
            "with --sg-crit3-adjust false (--sg-crit3-critical-value is used instead)",
        )
    if crit2 is None:
        reject_unused(ctx, ["crit2_scale_minimum"], "with --sg-crit2-pct null")
    if crit1 is None and crit2 is None and not crit3:
        raise usage_error(
            "at least one of the three criteria must be applied",
            "--sg-crit1-cutoff/--sg-crit2-pct/--sg-crit3",
        )
    return {
        "sg_crit1_cutoff": crit1,
        "sg_crit2_pct": crit2,
        "sg_crit3": crit3,
        "sg_crit3_alpha": sg_crit3_alpha,
        "sg_crit3_adjust": adjust,
        "sg_crit3_critical_value": sg_crit3_critical_value,
        "identify_sg_1to2": one_to_two,
        "direction": direction,
        "crit2_scale_minimum": crit2_scale_minimum,
        "compat": mode,
    }


def identify_command(identify: str) -> Any:
    """identify-sg (``identify="sg"``) or identify-sl (``"sl"``)."""
    function = identify_sudden_gains if identify == "sg" else identify_sudden_losses
    name = f"identify-{identify}"

    def command(
        ctx: typer.Context,
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
        compat: CompatOpt = "default",
    ) -> None:
        kwargs = criteria_kwargs(
            ctx,
            identify=identify,
            sg_crit1_cutoff=sg_crit1_cutoff,
            sg_crit2_pct=sg_crit2_pct,
            sg_crit3=sg_crit3,
            sg_crit3_alpha=sg_crit3_alpha,
            sg_crit3_adjust=sg_crit3_adjust,
            sg_crit3_critical_value=sg_crit3_critical_value,
            identify_sg_1to2=identify_sg_1to2,
            direction=direction,
            crit2_scale_minimum=crit2_scale_minimum,
            compat=compat,
        )
        details = parse_bool(crit123_details, "--crit123-details")
        columns = parse_list(sg_var_list, "--sg-var-list")
        with reported_errors(), working(f"{name}: {input_path.name}"):
            data = numeric_ids(read_table(input_path), id_var_name)
            table = function(data, id_var_name, columns, crit123_details=details, **kwargs)
            write_table(table, out)

    return command


def create_bysg_command(
    ctx: typer.Context,
    input_path: InputArg,
    out: OutOpt,
    sg_var_list: VarListOpt,
    sg_crit1_cutoff: Crit1Opt,
    tx_start_var_name: TxStartOpt,
    tx_end_var_name: TxEndOpt,
    sg_measure_name: MeasureOpt,
    id_var_name: IdOpt = "id",
    identify: IdentifyOpt = "sg",
    sg_crit2_pct: Crit2Opt = "0.25",
    sg_crit3: Crit3Opt = "true",
    sg_crit3_alpha: AlphaOpt = 0.05,
    sg_crit3_adjust: AdjustOpt = "true",
    sg_crit3_critical_value: CriticalOpt = 2.776,
    identify_sg_1to2: OneToTwoOpt = "false",
    direction: DirectionOpt = "lower_is_better",
    crit2_scale_minimum: ScaleMinOpt = 0.0,
    compat: CompatOpt = "default",
    multiple_sg_select: Annotated[
        str | None, typer.Option("--multiple-sg-select", hidden=True)
    ] = None,
) -> None:
    """One row per sudden gain/loss with reversal (suddengains::create_bysg)."""
    if multiple_sg_select is not None:
        # accepted by the parser only to say where it belongs
        raise usage_error(
            "not an option of create-bysg, which keeps every gain, one row each "
            "(suddengains::create_bysg has no such argument); use create-byperson "
            "--multiple-sg-select to keep one gain per person",
            "--multiple-sg-select",
        )
    identify = parse_choice(identify, "--identify", ("sg", "sl"))
    kwargs = criteria_kwargs(
        ctx,
        identify=identify,
        sg_crit1_cutoff=sg_crit1_cutoff,
        sg_crit2_pct=sg_crit2_pct,
        sg_crit3=sg_crit3,
        sg_crit3_alpha=sg_crit3_alpha,
        sg_crit3_adjust=sg_crit3_adjust,
        sg_crit3_critical_value=sg_crit3_critical_value,
        identify_sg_1to2=identify_sg_1to2,
        direction=direction,
        crit2_scale_minimum=crit2_scale_minimum,
        compat=compat,
    )
    columns = parse_list(sg_var_list, "--sg-var-list")
    with reported_errors(), working(f"create-bysg: {input_path.name}"):
        data = numeric_ids(read_table(input_path), id_var_name)
        table = sudden_gains_by_gain(
            data,
            id_var_name=id_var_name,
            sg_var_list=columns,
            tx_start_var_name=tx_start_var_name,
            tx_end_var_name=tx_end_var_name,
            sg_measure_name=sg_measure_name,
            identify=identify,  # type: ignore[arg-type]
            **kwargs,
        )
        write_table(table, out)


def create_byperson_command(
    ctx: typer.Context,
    input_path: InputArg,
    out: OutOpt,
    sg_var_list: Annotated[
        str | None,
        typer.Option(
            "--sg-var-list",
            help="Score columns in time order, comma separated (required unless "
            "--data-is-bysg true).",
        ),
    ] = None,
    sg_crit1_cutoff: Annotated[
        str | None,
        typer.Option(
            "--sg-crit1-cutoff",
            help="Criterion 1 cut-off (<= 0 for losses); null = off (required unless "
            "--data-is-bysg true).",
        ),
    ] = None,
    tx_start_var_name: Annotated[
        str | None,
        typer.Option("--tx-start-var-name", help="Start-of-treatment column (as above)."),
    ] = None,
    tx_end_var_name: Annotated[
        str | None, typer.Option("--tx-end-var-name", help="End-of-treatment column (as above).")
    ] = None,
    sg_measure_name: Annotated[
        str | None,
        typer.Option("--sg-measure-name", help="Measure name used in column names (as above)."),
    ] = None,
    id_var_name: IdOpt = "id",
    identify: IdentifyOpt = "sg",
    multiple_sg_select: Annotated[
        str,
        typer.Option(
            "--multiple-sg-select", help="Gain kept per person: first, last, smallest or largest."
        ),
    ] = "first",
    data_is_bysg: Annotated[
        str,
        typer.Option(
            "--data-is-bysg",
            help="INPUT is a table written by create-bysg (one row per gain); the search "
            "options are then not used.",
        ),
    ] = "false",
    sg_crit2_pct: Crit2Opt = "0.25",
    sg_crit3: Crit3Opt = "true",
    sg_crit3_alpha: AlphaOpt = 0.05,
    sg_crit3_adjust: AdjustOpt = "true",
    sg_crit3_critical_value: CriticalOpt = 2.776,
    identify_sg_1to2: OneToTwoOpt = "false",
    direction: DirectionOpt = "lower_is_better",
    crit2_scale_minimum: ScaleMinOpt = 0.0,
    compat: CompatOpt = "default",
) -> None:
    """One row per person with one selected gain/loss (suddengains::create_byperson)."""
    select = parse_choice(multiple_sg_select, "--multiple-sg-select", MULTIPLE_SELECT)
    is_bysg = parse_bool(data_is_bysg, "--data-is-bysg")
    if is_bysg:
        reject_unused(
            ctx,
            SEARCH_OPTIONS,
            "with --data-is-bysg true (the input already holds the gains; only "
            "--id-var-name, --multiple-sg-select and --compat apply)",
        )
        mode = parse_compat(compat)
        with reported_errors(), working(f"create-byperson: {input_path.name}"):
            bysg = numeric_ids(read_table(input_path), id_var_name)
            table = sudden_gains_by_person_from_bysg(
                bysg,
                id_var_name=id_var_name,
                multiple_sg_select=select,  # type: ignore[arg-type]
                compat=mode,
            )
            write_table(table, out)
        return
    needed = "required unless --data-is-bysg true"
    var_list = require(ctx, "sg_var_list", sg_var_list, needed)
    cutoff = require(ctx, "sg_crit1_cutoff", sg_crit1_cutoff, needed + "; null switches it off")
    tx_start = require(ctx, "tx_start_var_name", tx_start_var_name, needed)
    tx_end = require(ctx, "tx_end_var_name", tx_end_var_name, needed)
    measure = require(ctx, "sg_measure_name", sg_measure_name, needed)
    identify = parse_choice(identify, "--identify", ("sg", "sl"))
    kwargs = criteria_kwargs(
        ctx,
        identify=identify,
        sg_crit1_cutoff=cutoff,
        sg_crit2_pct=sg_crit2_pct,
        sg_crit3=sg_crit3,
        sg_crit3_alpha=sg_crit3_alpha,
        sg_crit3_adjust=sg_crit3_adjust,
        sg_crit3_critical_value=sg_crit3_critical_value,
        identify_sg_1to2=identify_sg_1to2,
        direction=direction,
        crit2_scale_minimum=crit2_scale_minimum,
        compat=compat,
    )
    columns = parse_list(var_list, "--sg-var-list")
    with reported_errors(), working(f"create-byperson: {input_path.name}"):
        data = numeric_ids(read_table(input_path), id_var_name)
        table = sudden_gains_by_person(
            data,
            id_var_name=id_var_name,
            sg_var_list=columns,
            tx_start_var_name=tx_start,
            tx_end_var_name=tx_end,
            sg_measure_name=measure,
            identify=identify,  # type: ignore[arg-type]
            multiple_sg_select=select,  # type: ignore[arg-type]
            **kwargs,
        )
        write_table(table, out)


def select_cases_command(
    ctx: typer.Context,
    input_path: InputArg,
    out: OutOpt,
    sg_var_list: VarListOpt,
    id_var_name: IdOpt = "id",
    method: Annotated[str, typer.Option("--method", help="pattern or min_sess.")] = "pattern",
    min_sess_num: Annotated[
        int | None,
        typer.Option("--min-sess-num", help="Minimum observed sessions (method min_sess)."),
    ] = None,
    return_id_lgl: Annotated[
        str,
        typer.Option(
            "--return-id-lgl",
            help="true: id and sg_select only; false: the input with sg_select added.",
        ),
    ] = "false",
    compat: CompatNoEffectOpt = "default",
) -> None:
    """Persons with enough data for sudden gains (suddengains::select_cases)."""
    parse_compat(compat)
    as_lgl = parse_bool(return_id_lgl, "--return-id-lgl")
    columns = parse_list(sg_var_list, "--sg-var-list")
    method = parse_choice(method, "--method", ("pattern", "min_sess"))
    if method == "pattern":
        reject_unused(ctx, ["min_sess_num"], "with --method pattern")
    else:
        require(ctx, "min_sess_num", min_sess_num, "needed with --method min_sess")
        check_number(
            min_sess_num,
            "--min-sess-num",
            at_least=0,
            at_most=len(columns),
            meaning=f"observed sessions out of the {len(columns)} in --sg-var-list",
        )
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


def _items_alpha(data: pl.DataFrame, items: list[str]) -> float:
    """Cronbach's alpha of the item columns (rows with a missing item left out)."""
    for name in items:
        if name not in data.columns:
            raise TrajectoryInputError("column not found in the data", column=name)
    try:
        return cronbach_alpha(score_matrix(data, items)).alpha
    except PsychometricsInputError as error:
        raise TrajectoryInputError(f"--data-reliability: {error}") from error


def define_crit1_cutoff_command(
    ctx: typer.Context,
    out: OutOpt,
    reliability: Annotated[
        float | None, typer.Option("--reliability", help="Reliability (0-1).")
    ] = None,
    input_path: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            metavar="[INPUT]",
            help="Data file (with --data-sd or --data-reliability).",
        ),
    ] = None,
    data_sd: Annotated[
        str | None, typer.Option("--data-sd", help="Column whose SD is used (needs INPUT).")
    ] = None,
    sd: Annotated[float | None, typer.Option("--sd", help="SD given directly.")] = None,
    data_reliability: Annotated[
        str | None,
        typer.Option(
            "--data-reliability",
            help="Item columns (comma separated, needs INPUT): Cronbach's alpha is the "
            "reliability.",
        ),
    ] = None,
    compat: CompatNoEffectOpt = "default",
) -> None:
    """Reliable-change cut-off for criterion 1 (suddengains::define_crit1_cutoff)."""
    parse_compat(compat)
    if (sd is None) == (data_sd is None):
        raise usage_error("give exactly one of --sd and --data-sd", "--sd/--data-sd")
    if (reliability is None) == (data_reliability is None):
        raise usage_error(
            "give exactly one of --reliability and --data-reliability",
            "--reliability/--data-reliability",
        )
    needs_input = data_sd is not None or data_reliability is not None
    if needs_input and input_path is None:
        raise usage_error("--data-sd and --data-reliability need an INPUT file", "INPUT")
    if input_path is not None and not needs_input:
        raise usage_error(
            "INPUT has no effect without --data-sd or --data-reliability; leave it out", "INPUT"
        )
    check_number(reliability, "--reliability", at_least=0, at_most=1, meaning="a reliability")
    check_number(sd, "--sd", at_least=0, meaning="a standard deviation")
    items = None if data_reliability is None else parse_list(data_reliability, "--data-reliability")
    with reported_errors():
        data = read_table(input_path) if input_path is not None else pl.DataFrame()
        if items is not None:
            used_reliability = _items_alpha(data, items)
        else:
            used_reliability = require(ctx, "reliability", reliability)
        if data_sd is not None:
            if data_sd not in data.columns:
                raise TrajectoryInputError("column not found in the data", column=data_sd)
            values = numeric_column(data, data_sd).to_numpy()
            result = define_crit1_cutoff(data_sd=values, reliability=used_reliability)
        else:
            result = define_crit1_cutoff(sd=sd, reliability=used_reliability)
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
