"""`concord score`, `concord instruments ...` and `concord psychometrics ...`.

Thin wrappers over :mod:`concord.analytics.instruments` and
:mod:`concord.analytics.psychometrics`: read a CSV, call the core, print a Rich table, write
the result atomically (a failed run leaves no output file).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, TypeVar

import numpy as np
import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from concord.analytics import psychometrics as pm
from concord.analytics.instruments import (
    InstrumentError,
    TableScoringError,
    all_instruments,
    get_instrument,
    install_text_pack,
    score_table,
)
from concord.cli.output_files import write_atomically

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)

instruments_app = typer.Typer(
    help="List, inspect and install text for instruments.", no_args_is_help=True
)
psychometrics_app = typer.Typer(
    help="Reliability and change statistics on a wide CSV table.", no_args_is_help=True
)


def fail(message: str) -> typer.Exit:
    """Print an error to stderr and return the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    return typer.Exit(code=1)


def read_csv(path: Path, *, as_text: bool = False, numeric: Iterable[str] = ()) -> pl.DataFrame:
    """Read a CSV (``NA`` and empty cells are missing); errors name the file.

    With ``as_text`` every column is read as text, except the ``numeric`` columns, which are
    first tried as numbers (fast path); if that fails, everything is read as text so that the
    scoring core can name the offending row and column.
    """
    if not Path(path).is_file():
        raise fail(f"{path}: no such file")
    try:
        if as_text:
            try:
                header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
                overrides = {name: pl.Float64 for name in numeric if name in header}
                return pl.read_csv(
                    path, null_values=["NA", ""], infer_schema=False, schema_overrides=overrides
                )
            except pl.exceptions.ComputeError:
                return pl.read_csv(path, null_values=["NA", ""], infer_schema=False)
        return pl.read_csv(path, null_values=["NA", ""])
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot read CSV ({exc})") from exc


# --------------------------------------------------------------------------- score


def score(
    instrument: Annotated[str, typer.Argument(help="Instrument code, e.g. phq9 or PHQ-9.")],
    responses: Annotated[
        Path, typer.Argument(help="CSV, one row per administration, one column per item id.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write the scores to.")],
) -> None:
    """Score a CSV of responses; columns that are not items (ids, dates) are copied through."""
    try:
        spec = get_instrument(instrument)
    except InstrumentError as exc:
        raise fail(str(exc)) from exc
    table = read_csv(responses, as_text=True, numeric=spec.item_ids)
    keep = [c for c in table.columns if c not in spec.item_ids]
    try:
        scores = score_table(spec, table, keep=keep)
    except TableScoringError as exc:
        detail = str(exc)
        if exc.row is not None:
            detail += f" (line {exc.row + 1} of {responses.name})"
        raise fail(f"{responses.name}: {detail}") from exc
    write_atomically(out, lambda p: scores.write_csv(p))
    summary = Table(title=f"{spec.name} scores")
    summary.add_column("scale")
    summary.add_column("scored", justify="right")
    summary.add_column("prorated", justify="right")
    summary.add_column("not scorable", justify="right")
    for scale in spec.scales:
        counts = scores[f"{scale.code}_status"].value_counts()
        found = dict(zip(counts[f"{scale.code}_status"], counts["count"], strict=True))
        summary.add_row(
            scale.code,
            str(found.get("complete", 0)),
            str(found.get("prorated", 0)),
            str(found.get("not_scorable", 0)),
        )
    console.print(summary)
    for flag in spec.flags:
        raised = int(scores[f"flag_{flag.code}"].sum())
        console.print(f"flag {flag.code} ({flag.kind}): {raised} of {scores.height}")
    console.print(f"wrote {scores.height} rows to {out}")


# --------------------------------------------------------------------------- instruments


@instruments_app.command("list")
def list_instruments() -> None:
    """List the registered instruments."""
    table = Table(title="Instruments")
    for column in ("code", "name", "rater", "items", "scales", "licence", "holder"):
        table.add_column(column)
    for spec in all_instruments():
        table.add_row(
            spec.code,
            spec.name,
            spec.rater,
            str(len(spec.items)),
            ", ".join(s.code for s in spec.scales),
            spec.licence.status,
            spec.licence.holder,
        )
    console.print(table)


@instruments_app.command("show")
def show_instrument(code: Annotated[str, typer.Argument(help="Instrument code.")]) -> None:
    """Show an instrument's structure, scoring, licence and references."""
    try:
        spec = get_instrument(code)
    except InstrumentError as exc:
        raise fail(str(exc)) from exc
    console.print(f"[bold]{spec.name}[/bold] - {spec.title} (version {spec.version})")
    console.print(f"rater: {spec.rater}; higher is better: {spec.higher_is_better}")
    console.print(f"licence: {spec.licence.status}, {spec.licence.holder}. {spec.licence.terms}")
    items = Table(title="Items")
    for column in ("#", "id", "answers", "subscales", "text"):
        items.add_column(column)
    for item in spec.items:
        if item.kind == "choice":
            answers = ", ".join(f"{v:g}" for v in item.permitted_values)
        else:
            answers = f"{item.minimum:g}..{item.maximum:g}"
        if item.reversed:
            answers += " (reversed)"
        text = item.text or "(licensed text not shipped)"
        items.add_row(
            str(item.number), item.id, answers, ", ".join(spec.subscales_of(item.id)), text
        )
    console.print(items)
    scales = Table(title="Scales")
    for column in ("code", "kind", "method", "items", "max missing", "bands"):
        scales.add_column(column)
    for scale in spec.scales:
        bands = ", ".join(f"{b.code} >= {b.minimum:g}" for b in scale.bands)
        scales.add_row(
            scale.code,
            scale.kind,
            scale.method,
            " ".join(scale.items),
            str(scale.max_missing),
            bands,
        )
    console.print(scales)
    for diff in spec.differences:
        console.print(f"derived: {diff.code} = {diff.minuend} - {diff.subtrahend}")
    for flag in spec.flags:
        target = f"item {flag.item}" if flag.item else f"scale {flag.scale}"
        console.print(
            f"flag {flag.code} ({flag.kind}): {target} {flag.operator} {flag.threshold:g}"
        )
    for ref in spec.references:
        console.print(f"- {ref.citation}" + (f" doi:{ref.doi}" if ref.doi else ""), highlight=False)


@instruments_app.command("install-text")
def install_text(
    pack: Annotated[Path, typer.Argument(help="Text pack JSON file from the licence holder.")],
    target: Annotated[
        Path | None,
        typer.Option(
            "--target",
            envvar="CONCORD_INSTRUMENT_TEXT_DIR",
            help="Folder of installed text packs [default: $CONCORD_DATA_DIR/instrument-texts, "
            "else ./var/instrument-texts, where the web app looks].",
        ),
    ] = None,
) -> None:
    """Validate a licensed text pack against its instrument and install it."""
    if target is None:
        target = Path(os.environ.get("CONCORD_DATA_DIR") or "var") / "instrument-texts"
    if not pack.is_file():
        raise fail(f"{pack}: no such file")
    try:
        installed = install_text_pack(pack, target)
    except InstrumentError as exc:
        raise fail(str(exc)) from exc
    console.print(f"installed {installed}")


# --------------------------------------------------------------------------- psychometrics

ColumnsOption = Annotated[
    str | None,
    typer.Option("--columns", help="Comma-separated columns (default: all numeric but --id)."),
]
IdOption = Annotated[str | None, typer.Option("--id", help="Identifier column to leave out.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write estimate,value,lower,upper CSV here.")
]
ConfidenceOption = Annotated[float, typer.Option(help="Confidence level of the intervals.")]


def select_matrix(
    path: Path, columns: str | None, id_column: str | None, *, exactly: int | None = None
) -> tuple[list[str], np.ndarray]:
    """The chosen numeric columns of a CSV as a float matrix (missing = nan)."""
    table = read_csv(path)
    if id_column is not None and id_column not in table.columns:
        raise fail(f"{path.name}: --id column {id_column!r} not found")
    if columns:
        chosen = [c.strip() for c in columns.split(",") if c.strip()]
        for name in chosen:
            if name not in table.columns:
                raise fail(f"{path.name}: column {name!r} not found")
            if not table[name].dtype.is_numeric():
                raise fail(f"{path.name}: column {name!r} is not numeric")
    else:
        chosen = [c for c in table.columns if c != id_column and table[c].dtype.is_numeric()]
    if exactly is not None and len(chosen) != exactly:
        raise fail(
            f"{path.name}: expected {exactly} columns, got {len(chosen)}: {', '.join(chosen)}"
        )
    matrix = table.select(pl.col(chosen).cast(pl.Float64)).to_numpy()
    return chosen, matrix


def report(
    title: str, estimates: Iterable[pm.Estimate], out: Path | None, confidence: float = 0.95
) -> None:
    """Print estimates with CIs; optionally write them as CSV."""
    rows = list(estimates)

    def fmt(value: float) -> str:
        return "" if math.isnan(value) else f"{value:.4f}"

    table = Table(title=title)
    for column in ("estimate", "value", f"{confidence:.0%} CI"):
        table.add_column(column, justify="right" if column != "estimate" else "left")
    for est in rows:
        interval = "" if math.isnan(est.lower) else f"[{fmt(est.lower)}, {fmt(est.upper)}]"
        table.add_row(est.name, fmt(est.value), interval)
    console.print(table)
    if out is not None:

        def write(path: Path) -> None:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["estimate", "value", "lower", "upper"])
                for est in rows:
                    writer.writerow(
                        [
                            est.name,
                            *(
                                "" if math.isnan(v) else repr(v)
                                for v in (est.value, est.lower, est.upper)
                            ),
                        ]
                    )

        write_atomically(out, write)
        console.print(f"wrote {out}")


def run_statistic(function: Callable[[], T]) -> T:
    """Run a statistic; input problems become a clean CLI error."""
    try:
        return function()
    except pm.PsychometricsInputError as exc:
        raise fail(str(exc)) from exc


@psychometrics_app.command("alpha")
def alpha_command(
    input: Annotated[Path, typer.Argument(help="Wide CSV: one row per respondent.")],
    columns: ColumnsOption = None,
    id: IdOption = None,
    out: OutOption = None,
    confidence: ConfidenceOption = 0.95,
) -> None:
    """Cronbach's alpha with Feldt's confidence interval."""
    names, matrix = select_matrix(input, columns, id)
    result = run_statistic(lambda: pm.cronbach_alpha(matrix, confidence=confidence))
    console.print(
        f"{result.n_respondents} complete respondents, {result.n_items} items: {', '.join(names)}"
    )
    report("Cronbach's alpha", result.estimates(), out, confidence)


@psychometrics_app.command("omega")
def omega_command(
    input: Annotated[Path, typer.Argument(help="Wide CSV: one row per respondent.")],
    columns: ColumnsOption = None,
    id: IdOption = None,
    out: OutOption = None,
    confidence: ConfidenceOption = 0.95,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the interval.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    standardized: Annotated[bool, typer.Option(help="Omega of standardised items.")] = False,
) -> None:
    """McDonald's omega total (one-factor model) with a bootstrap interval."""
    names, matrix = select_matrix(input, columns, id)
    result = run_statistic(
        lambda: pm.mcdonald_omega(
            matrix,
            standardized=standardized,
            confidence=confidence,
            n_bootstrap=bootstrap,
            seed=seed,
        )
    )
    console.print(
        f"{result.n_respondents} complete respondents, {result.n_items} items: {', '.join(names)}"
    )
    report("McDonald's omega total", result.estimates(), out, confidence)


@psychometrics_app.command("icc")
def icc_command(
    input: Annotated[
        Path, typer.Argument(help="Wide CSV: one row per target, one column per rater.")
    ],
    columns: ColumnsOption = None,
    id: IdOption = None,
    out: OutOption = None,
    confidence: ConfidenceOption = 0.95,
) -> None:
    """Intraclass correlations (Shrout & Fleiss 1979), named as in R's psych::ICC."""
    names, matrix = select_matrix(input, columns, id)
    result = run_statistic(lambda: pm.intraclass_correlation(matrix, confidence=confidence))
    console.print(f"{result.n_targets} targets, {result.n_raters} raters: {', '.join(names)}")
    report("Intraclass correlations", result.estimates(), out, confidence)


@psychometrics_app.command("rci")
def rci_command(
    input: Annotated[
        Path, typer.Argument(help="Wide CSV: one row per person; pre and post columns.")
    ],
    reliability: Annotated[float, typer.Option(help="Reliability of the measure (alpha or r).")],
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns", help="pre,post columns (default: the two numeric columns but --id)."
        ),
    ] = None,
    id: IdOption = None,
    out: OutOption = None,
    sd: Annotated[
        float | None, typer.Option(help="SD of the pre scores (default: from the data).")
    ] = None,
    higher_is_better: Annotated[bool, typer.Option(help="Scale direction.")] = False,
    functional_mean: Annotated[
        float | None, typer.Option(help="Mean of a functional norm group.")
    ] = None,
    functional_sd: Annotated[
        float | None, typer.Option(help="SD of a functional norm group.")
    ] = None,
    cutoff: Annotated[str | None, typer.Option(help="Cut-off for recovery: a, b or c.")] = None,
) -> None:
    """Reliable change (Jacobson & Truax 1991), cut-offs a, b, c and category counts."""
    _, matrix = select_matrix(input, columns, id, exactly=2)
    pairs = matrix[~np.isnan(matrix).any(axis=1)]
    if len(pairs) < 2:
        raise fail(f"{input.name}: fewer than 2 complete pre/post pairs")
    pre, post = pairs[:, 0], pairs[:, 1]
    sd_pre = float(sd) if sd is not None else float(pre.std(ddof=1))

    def compute() -> list[pm.Estimate]:
        nan = float("nan")
        criterion = pm.reliable_change_criterion(sd_pre, reliability)
        cut = pm.clinical_significance_cutoffs(
            float(pre.mean()),
            sd_pre,
            functional_mean,
            functional_sd,
            higher_is_better=higher_is_better,
        )
        rows = [
            pm.Estimate("n_pairs", float(len(pre)), nan, nan),
            pm.Estimate("sd_pre", sd_pre, nan, nan),
            pm.Estimate("standard_error_difference", criterion.standard_error_difference, nan, nan),
            pm.Estimate("reliable_change_value", criterion.reliable_change_value, nan, nan),
            pm.Estimate("cutoff_a", cut.a, nan, nan),
            pm.Estimate("cutoff_b", cut.b, nan, nan),
            pm.Estimate("cutoff_c", cut.c, nan, nan),
        ]
        chosen = cutoff or ("c" if functional_mean is not None else "a")
        result = pm.clinically_significant_change(
            pre,
            post,
            sd_pre=sd_pre,
            reliability=reliability,
            cutoff=cut.get(chosen),
            higher_is_better=higher_is_better,
        )
        for code, count in result.counts().items():
            if code != "missing":
                rows.append(pm.Estimate(f"n_{code}", float(count), nan, nan))
        console.print(f"classification uses cut-off {chosen} = {cut.get(chosen):.4f}")
        return rows

    rows = run_statistic(compute)
    report("Reliable and clinically significant change", rows, out)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `concord` application."""
    app.command("score")(score)
    app.add_typer(instruments_app, name="instruments")
    app.add_typer(psychometrics_app, name="psychometrics")
