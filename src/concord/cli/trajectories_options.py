"""Option parsing and checking for `concord trajectories ...`.

Every impossible option value and every option that would be silently ignored is a
usage error (exit code 2, the option named), raised before any input is read.
Problems in the data are reported later with exit code 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

COMPAT_VALUES = "suddengains or default"
T = TypeVar("T")


# ---------------------------------------------------------------- value parsing


def parse_bool(value: str, option: str) -> bool:
    """``true``/``false`` (any case, also ``1``/``0``) as the package's TRUE/FALSE."""
    text = value.strip().lower()
    if text in ("true", "t", "1"):
        return True
    if text in ("false", "f", "0"):
        return False
    raise typer.BadParameter(f"{value!r} is not true or false", param_hint=option)


def parse_optional_float(value: str, option: str) -> float | None:
    """A finite number, or ``null``/``none`` (R's NULL) to switch the criterion off."""
    text = value.strip().lower()
    if text in ("null", "none", ""):
        return None
    try:
        number = float(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a number or null", param_hint=option) from None
    check_number(number, option)
    return number


def parse_list(value: str, option: str) -> list[str]:
    """Comma-separated column names."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    if not names:
        raise typer.BadParameter("give at least one column name", param_hint=option)
    return names


def parse_compat(value: str) -> str | None:
    """``suddengains`` (reproduce suddengains 0.7.2) or ``default`` (also ``none``)."""
    text = value.strip().lower()
    if text in ("default", "none", "null", ""):
        return None
    if text == "suddengains":
        return "suddengains"
    raise typer.BadParameter(f"{value!r}: use {COMPAT_VALUES}", param_hint="--compat")


def parse_choice(value: str, option: str, choices: Iterable[str]) -> str:
    """One of ``choices`` (exact spelling)."""
    allowed = tuple(choices)
    if value not in allowed:
        raise typer.BadParameter(f"{value!r}: use {', '.join(allowed)}", param_hint=option)
    return value


# ---------------------------------------------------------------- range checks


def check_number(
    value: float | None,
    option: str,
    *,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    below: float | None = None,
    meaning: str = "",
) -> None:
    """Raise a usage error unless ``value`` is finite and within the bounds (None passes).

    ``at_least``/``at_most`` are inclusive bounds, ``above``/``below`` exclusive ones;
    ``meaning`` (e.g. ``"a proportion"``) is added to the message.
    """
    if value is None:
        return
    rules = []
    if at_least is not None:
        rules.append(f"at least {at_least:g}")
    if above is not None:
        rules.append(f"greater than {above:g}")
    if at_most is not None:
        rules.append(f"at most {at_most:g}")
    if below is not None:
        rules.append(f"less than {below:g}")
    ok = math.isfinite(value)
    ok = ok and (at_least is None or value >= at_least)
    ok = ok and (above is None or value > above)
    ok = ok and (at_most is None or value <= at_most)
    ok = ok and (below is None or value < below)
    if ok:
        return
    rule = " and ".join(rules) if rules else "a finite number"
    if rules and not math.isfinite(value):
        rule = f"a finite number, {rule}"
    suffix = f" ({meaning})" if meaning else ""
    raise typer.BadParameter(f"{value:g} is not allowed: must be {rule}{suffix}", param_hint=option)


# ---------------------------------------------------------------- options without effect


def flag(ctx: typer.Context, name: str) -> str:
    """The option as typed on the command line (``--sg-crit3-alpha``) for a parameter name."""
    for param in ctx.command.params:
        if param.name == name:
            return param.opts[0] if param.param_type_name == "option" else name.upper()
    return name


def given(ctx: typer.Context, name: str) -> bool:
    """True when the user gave the option (command line or environment), not its default."""
    source = ctx.get_parameter_source(name)
    return getattr(source, "name", None) in ("COMMANDLINE", "ENVIRONMENT")


def usage_error(message: str, option: str) -> typer.BadParameter:
    """A usage error (exit code 2) about ``option``: ``Invalid value for <option>: message``."""
    return typer.BadParameter(message, param_hint=option)


def reject_unused(ctx: typer.Context, names: Iterable[str], reason: str) -> None:
    """A usage error naming the first of ``names`` that was given although it has no effect."""
    for name in names:
        if given(ctx, name):
            option = flag(ctx, name)
            raise usage_error(f"has no effect {reason}; leave it out", option)


def require(ctx: typer.Context, name: str, value: T | None, reason: str = "") -> T:
    """``value``, or a usage error when this option, required here, is missing."""
    if value is None:
        extra = f" ({reason})" if reason else ""
        raise usage_error(f"missing{extra}", flag(ctx, name))
    return value


# ---------------------------------------------------------------- shared option types

InputArg = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="INPUT", help="CSV or Parquet file."
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", help="Output file (.csv or .parquet).")]
CompatOpt = Annotated[
    str,
    typer.Option(
        "--compat",
        help="suddengains (reproduce 0.7.2 with its quirks) or default (quirks fixed).",
    ),
]
# sub-commands on which both --compat values give the same result say so in their help
CompatNoEffectOpt = Annotated[
    str,
    typer.Option(
        "--compat",
        help="suddengains or default: accepted for uniformity, same result with both.",
    ),
]
