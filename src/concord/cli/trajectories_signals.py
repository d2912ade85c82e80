"""`concord trajectories ruptures | reliable-change | not-on-track` (long-format input).

Impossible values (negative SDs, shares outside 0-1, reliabilities outside 0-1,
percentiles outside 50-100 ...) and options that would have no effect are usage
errors (exit code 2, the option named), raised before the input is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from concord.analytics.trajectories import (
    AllianceSignalSettings,
    alliance_events_table,
    detect_alliance_signals,
    session_changes_table,
)
from concord.analytics.trajectories.not_on_track import (
    NotOnTrackModelError,
    NotOnTrackSettings,
    flag_not_on_track,
    model_table,
)
from concord.analytics.trajectories.reliable_change import reliable_change_by_patient
from concord.cli.output_files import staged_outputs
from concord.cli.trajectories_io import (
    numeric_ids,
    read_table,
    reported_errors,
    working,
    write_table,
)
from concord.cli.trajectories_options import (
    CompatNoEffectOpt,
    InputArg,
    OutOpt,
    check_number,
    parse_bool,
    parse_compat,
    parse_optional_float,
    reject_unused,
)

PatientOpt = Annotated[str, typer.Option("--patient-column", help="Patient id column.")]


def ruptures_command(
    ctx: typer.Context,
    input_path: InputArg,
    out: OutOpt,
    patient_column: PatientOpt = "patient",
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
        str,
        typer.Option(
            "--threshold-inclusive", help="score <= threshold (default <); needs the threshold."
        ),
    ] = "false",
    min_drop: Annotated[
        str, typer.Option("--min-drop", help="Drop rule in points (> 0); null = off.")
    ] = "1",
    lenient_sd: Annotated[
        float, typer.Option("--lenient-sd", help="Lenient SDs below the reference (> 0).")
    ] = 1.0,
    strict_sd: Annotated[
        float, typer.Option("--strict-sd", help="Strict SDs below the reference (>= lenient).")
    ] = 2.0,
    sample_sd: Annotated[
        float | None,
        typer.Option("--sample-sd", help="Sample SD (>= 0; the stricter SD is used)."),
    ] = None,
    min_sd: Annotated[
        float, typer.Option("--min-sd", help="SD floor (>= 0; ceiling guard).")
    ] = 0.0,
    min_ratings: Annotated[
        int, typer.Option("--min-ratings", help="Ratings needed for rupture search (>= 2).")
    ] = 3,
    scale_maximum: Annotated[
        float | None, typer.Option("--scale-maximum", help="Scale maximum (ceiling guard).")
    ] = None,
    ceiling_share: Annotated[
        float,
        typer.Option("--ceiling-share", help="Share (0-1] at the maximum for the ceiling guard."),
    ] = 0.5,
    sudden_crit1_cutoff: Annotated[
        float | None,
        typer.Option(
            "--sudden-crit1-cutoff", help="Sudden alliance gains/losses, points (off if unset)."
        ),
    ] = None,
    sudden_crit2_pct: Annotated[
        float | None,
        typer.Option("--sudden-crit2-pct", help="Criterion 2 proportion (off if unset)."),
    ] = None,
    sudden_crit3_alpha: Annotated[
        float, typer.Option("--sudden-crit3-alpha", help="Alpha of criterion 3 (0-1).")
    ] = 0.05,
    scale_minimum: Annotated[
        float, typer.Option("--scale-minimum", help="Scale minimum for criterion 2.")
    ] = 0.0,
    session_changes_out: Annotated[
        Path | None,
        typer.Option(
            "--session-changes-out",
            help="Also write within/between session change (needs --pre-score-column).",
        ),
    ] = None,
    compat: CompatNoEffectOpt = "default",
) -> None:
    """Alliance signals from long-format session ratings (one row per event)."""
    parse_compat(compat)
    drop = parse_optional_float(min_drop, "--min-drop")
    check_number(drop, "--min-drop", above=0, meaning="points")
    check_number(concern_threshold, "--concern-threshold")
    for value, option in ((lenient_sd, "--lenient-sd"), (strict_sd, "--strict-sd")):
        check_number(value, option, above=0, meaning="SDs below the reference level")
    if strict_sd < lenient_sd:
        raise typer.BadParameter(
            f"{strict_sd:g} is smaller than --lenient-sd {lenient_sd:g}: the strict criterion "
            "needs at least as many SDs as the lenient one",
            param_hint="--strict-sd",
        )
    check_number(sample_sd, "--sample-sd", at_least=0, meaning="a standard deviation")
    check_number(min_sd, "--min-sd", at_least=0, meaning="a standard deviation")
    check_number(min_ratings, "--min-ratings", at_least=2, meaning="an SD needs two ratings")
    check_number(scale_maximum, "--scale-maximum")
    check_number(ceiling_share, "--ceiling-share", above=0, at_most=1, meaning="a share")
    check_number(sudden_crit1_cutoff, "--sudden-crit1-cutoff", at_least=0, meaning="points")
    check_number(sudden_crit2_pct, "--sudden-crit2-pct", at_least=0, meaning="a proportion")
    check_number(sudden_crit3_alpha, "--sudden-crit3-alpha", above=0, below=1, meaning="an alpha")
    check_number(scale_minimum, "--scale-minimum")
    if scale_maximum is not None and scale_minimum >= scale_maximum:
        raise typer.BadParameter(
            f"{scale_minimum:g} is not below --scale-maximum {scale_maximum:g}",
            param_hint="--scale-minimum",
        )
    if concern_threshold is None:
        reject_unused(ctx, ["threshold_inclusive"], "without --concern-threshold")
    if scale_maximum is None:
        reject_unused(ctx, ["ceiling_share"], "without --scale-maximum")
    if sudden_crit1_cutoff is None:
        reject_unused(
            ctx,
            ["sudden_crit2_pct", "sudden_crit3_alpha", "scale_minimum"],
            "without --sudden-crit1-cutoff (sudden alliance changes are off)",
        )
    elif sudden_crit2_pct is None:
        reject_unused(ctx, ["scale_minimum"], "without --sudden-crit2-pct")
    if pre_score_column is None:
        reject_unused(
            ctx,
            ["session_changes_out"],
            "without --pre-score-column (session change needs a start-of-session score)",
        )
    settings = AllianceSignalSettings(
        concern_threshold=concern_threshold,
        threshold_inclusive=parse_bool(threshold_inclusive, "--threshold-inclusive"),
        min_drop=drop,
        lenient_sd=lenient_sd,
        strict_sd=strict_sd,
        sample_sd=sample_sd,
        min_sd=min_sd,
        min_ratings_for_ruptures=min_ratings,
        scale_maximum=scale_maximum,
        ceiling_share=ceiling_share,
        sudden_crit1_cutoff=sudden_crit1_cutoff,
        sudden_crit2_pct=sudden_crit2_pct,
        sudden_crit3_alpha=sudden_crit3_alpha,
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
        with staged_outputs() as staged:
            if session_changes_out is not None:
                write_table(session_changes_table(signals), session_changes_out, staged)
            write_table(events, out, staged)


def reliable_change_command(
    input_path: InputArg,
    out: OutOpt,
    reliability: Annotated[
        float, typer.Option("--reliability", help="Reliability (0 to below 1).")
    ],
    patient_column: PatientOpt = "patient",
    session_column: Annotated[
        str, typer.Option("--session-column", help="Session number column.")
    ] = "session",
    score_column: Annotated[str, typer.Option("--score-column", help="Score column.")] = "score",
    sd_pre: Annotated[
        float | None,
        typer.Option("--sd-pre", help="Pre-treatment SD, > 0 (default: SD of the complete pairs)."),
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
    compat: CompatNoEffectOpt = "default",
) -> None:
    """Reliable (and clinically significant) change per patient (Jacobson & Truax 1991)."""
    parse_compat(compat)
    better = parse_bool(higher_is_better, "--higher-is-better")
    check_number(
        reliability,
        "--reliability",
        at_least=0,
        below=1,
        meaning="a reliability; at 1 the standard error of the difference is 0",
    )
    check_number(sd_pre, "--sd-pre", above=0, meaning="a standard deviation")
    check_number(cutoff, "--cutoff")
    if pre_session is not None and post_session is not None and post_session <= pre_session:
        raise typer.BadParameter(
            f"{post_session} is not after --pre-session {pre_session}",
            param_hint="--post-session",
        )
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


def not_on_track_command(
    ctx: typer.Context,
    input_path: InputArg,
    out: OutOpt,
    patient_column: PatientOpt = "patient",
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
        typer.Option(
            "--percentile",
            help="Flag scores worse than this prediction percentile (above 50, below 100).",
        ),
    ] = 90.0,
    time_shape: Annotated[
        str, typer.Option("--time-shape", help="log, linear or quadratic time term.")
    ] = "log",
    min_patients: Annotated[
        int,
        typer.Option("--min-patients", help="Patients with later scores needed to fit (>= 2)."),
    ] = 20,
    max_fit_patients: Annotated[
        int | None,
        typer.Option(
            "--max-fit-patients",
            help="Fit on a seeded sample of this many patients (>= --min-patients).",
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of that sample (>= 0; needs the sample).")
    ] = 0,
    scores_out: Annotated[
        Path | None,
        typer.Option("--scores-out", help="Also write every post-baseline score judged."),
    ] = None,
    model_out: Annotated[
        Path | None, typer.Option("--model-out", help="Also write the fitted parameters.")
    ] = None,
    compat: CompatNoEffectOpt = "default",
) -> None:
    """Outcome not on track: expected recovery curves (mixed model), one row per patient."""
    parse_compat(compat)
    # --direction and --time-shape are checked by NotOnTrackSettings (exit code 1)
    check_number(
        percentile,
        "--percentile",
        above=50,
        below=100,
        meaning="a percentile of the expected scores; 90 flags the worst 10 %",
    )
    check_number(min_patients, "--min-patients", at_least=2, meaning="patients")
    check_number(max_fit_patients, "--max-fit-patients", at_least=min_patients, meaning="patients")
    check_number(seed, "--seed", at_least=0)
    if max_fit_patients is None:
        reject_unused(ctx, ["seed"], "without --max-fit-patients (it only draws that sample)")
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
        with staged_outputs() as staged:
            if scores_out is not None:
                write_table(result.scores.rename(names), scores_out, staged)
            if model_out is not None:
                write_table(model_table(result.model), model_out, staged)
            write_table(result.patients.rename(names), out, staged)
