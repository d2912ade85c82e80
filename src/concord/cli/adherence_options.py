"""Which options each `concord adherence` measure takes, checked before any input is read.

Every AdhereR argument is an option named after it (dots turned into hyphens, lower case).
An option the measure's AdhereR function does not have, or that would change nothing, is an
error naming the option (exit code 1, like every other bad input), never silently dropped:

* an option of another measure (``--sliding-window-duration`` for ``CMA9``, an observation
  window for ``episodes``, a PDC option for a CMA);
* a value a measure fixes, when it differs from the fixed one: CMA1-CMA9 fix the carry-over
  within / into the observation window (AdhereR overrides the argument with a warning), and
  CMA1-CMA4 take no carry-over for the same medication or dosage change;
* an option without the one it qualifies: ``--mapping-out`` without
  ``--return-mapping-events-episodes true`` (and the other way round),
  ``--flatten-medication-groups`` without ``--medication-groups``,
  ``--event-interval-colname`` for a CMA without ``--event-info``,
  ``--carry-only-for-same-medication true`` without a medication class column, ...;
* an invalid value: a unit not among AdhereR's, a window duration that is not a positive
  number (or a column), an unknown ``--parallel-backend``.

A unit given without its value applies to AdhereR's default value, as in R
(``--followup-window-duration-unit weeks`` alone means 730 weeks).

``--parallel-backend`` and ``--parallel-threads`` take AdhereR's values and are ignored
(DuckDB and Spark parallelise on their own; the results do not depend on it): a notice says
so. ``--dosage-change-means-new-treatment-episode true`` has no effect, as in AdhereR 0.8.1
(spec section 7.3): a notice says so too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from concord.analytics.adherence import AdherenceInputError
from concord.analytics.adherence.cma_sql import CMA_CARRY_OVER
from concord.analytics.adherence.dates import FIXED_UNIT_DAYS, TIME_UNITS

__all__ = [
    "BOOLEAN_OPTIONS",
    "OptionError",
    "check_options",
    "option_name",
    "parse_bool",
    "parse_number",
]

CMA_MEASURES = tuple(f"CMA{i}" for i in range(1, 10))
GAP_UNITS = (*TIME_UNITS, "percent")
PARALLEL_BACKENDS = ("none", "multicore", "snow", "snow(SOCK)", "snow(MPI)", "snow(NWS)")


class OptionError(AdherenceInputError):
    """A command-line option that is invalid, or that would do nothing for this measure.

    ``options`` are the options concerned (``"--out"``) and ``columns`` the input columns
    (a window start given as a column); :meth:`where` names them after the message.
    """

    def __init__(self, message: str, *options: str, columns: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.options = tuple(options)
        self.columns = tuple(columns)

    def where(self) -> str:
        """`` [option --out]``, `` [column OW_START; option --observation-window-duration]``."""
        parts = []
        if self.columns:
            label = "column" if len(self.columns) == 1 else "columns"
            parts.append(f"{label} {', '.join(self.columns)}")
        if self.options:
            label = "option" if len(self.options) == 1 else "options"
            parts.append(f"{label} {', '.join(self.options)}")
        return f" [{'; '.join(parts)}]" if parts else ""


def option_name(parameter: str) -> str:
    """``observation_window_start`` -> ``--observation-window-start``."""
    return "--" + parameter.replace("_", "-")


def parse_bool(value: str | None, option: str) -> bool | None:
    """``true`` / ``false`` (any case; also ``TRUE``, ``T``, ``1``, ``0``) or not given."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("true", "t", "1"):
        return True
    if text in ("false", "f", "0"):
        return False
    raise OptionError(f"{option} {value!r} is not true or false", option)


def parse_number(value: str) -> float | None:
    """The number in ``value``, or ``None`` when it is not a number (a column, a date)."""
    try:
        return float(value)
    except ValueError:
        return None


# ---------------------------------------------------------------- which measure takes what

_COMMON = ("engine", "quiet")
_DATA = (
    "id_colname",
    "event_date_colname",
    "event_duration_colname",
    "event_daily_dose_colname",
    "medication_class_colname",
    "date_format",
)
_FUW = (
    "followup_window_start",
    "followup_window_start_unit",
    "followup_window_duration",
    "followup_window_duration_unit",
)
_OW = (
    "observation_window_start",
    "observation_window_start_unit",
    "observation_window_duration",
    "observation_window_duration_unit",
)
_PARALLEL = ("parallel_backend", "parallel_threads")
_GROUPS = (
    "medication_groups",
    "flatten_medication_groups",
    "medication_groups_colname",
    "followup_window_start_per_medication_group",
)
_CARRY = (
    "carryover_within_obs_window",
    "carryover_into_obs_window",
    "carry_only_for_same_medication",
    "consider_dosage_change",
)
_EPISODES = (
    "medication_change_means_new_treatment_episode",
    "dosage_change_means_new_treatment_episode",
    "maximum_permissible_gap",
    "maximum_permissible_gap_unit",
    "maximum_permissible_gap_append_to_episode",
)
_SLIDING = (
    "sliding_window_start",
    "sliding_window_start_unit",
    "sliding_window_duration",
    "sliding_window_duration_unit",
    "sliding_window_step_duration",
    "sliding_window_step_unit",
    "sliding_window_no_steps",
)
_EVENT_GAPS = (
    "keep_window_start_end_dates",
    "remove_events_outside_followup_window",
    "keep_event_interval_for_all_events",
)
_COLNAMES = ("event_interval_colname", "gap_days_colname")
_FAILED = ("force_na_cma_for_failed_patients",)
_SIMPLE = (*_COMMON, *_DATA, *_FUW, *_OW, *_PARALLEL, *_GROUPS, *_CARRY)

#: The options each measure takes (its AdhereR function's arguments); others are errors.
TAKES: dict[str, frozenset[str]] = {
    **{name: frozenset((*_SIMPLE, *_FAILED, *_COLNAMES, "event_info")) for name in CMA_MEASURES},
    "per-episode": frozenset(
        (*_SIMPLE, *_EPISODES, *_FAILED, "cma_to_apply", "return_mapping_events_episodes")
    ),
    "sliding-window": frozenset(
        (*_SIMPLE, *_SLIDING, *_FAILED, "cma_to_apply", "return_mapping_events_episodes")
    ),
    "episodes": frozenset(
        (
            *_COMMON,
            *_DATA,
            *_FUW,
            *_PARALLEL,
            "carryover_within_obs_window",
            "carry_only_for_same_medication",
            "consider_dosage_change",
            *_EPISODES,
            "return_mapping_events_episodes",
            "mapping_out",
        )
    ),
    "event-gaps": frozenset(
        (*_COMMON, *_DATA, *_FUW, *_OW, *_PARALLEL, *_CARRY, *_EVENT_GAPS, *_COLNAMES)
    ),
    "pdc": frozenset(
        (
            *_COMMON,
            "id_colname",
            "event_date_colname",
            "event_duration_colname",
            "medication_class_colname",
            "date_format",
            "period_start",
            "period_end",
            "drug_colname",
            "threshold",
        )
    ),
}

BOOLEAN_OPTIONS = (
    *_CARRY,
    "medication_change_means_new_treatment_episode",
    "dosage_change_means_new_treatment_episode",
    "maximum_permissible_gap_append_to_episode",
    "flatten_medication_groups",
    "followup_window_start_per_medication_group",
    *_EVENT_GAPS,
    "return_mapping_events_episodes",
    "force_na_cma_for_failed_patients",
)


def _measures_taking(parameter: str) -> str:
    names = [name for name, takes in TAKES.items() if parameter in takes]
    cmas = [n for n in names if n in CMA_MEASURES]
    if len(cmas) == len(CMA_MEASURES):
        names = ["CMA1-CMA9", *(n for n in names if n not in CMA_MEASURES)]
    return ", ".join(names)


def check_options(name: str, o: Mapping[str, Any], given: Iterable[str]) -> list[str]:
    """Check the options of measure ``name`` before any input is read.

    ``o`` holds every option's value, ``given`` the names of the options on the command
    line. Returns the notices to print (options accepted but ignored).

    Raises
    ------
    OptionError
        Naming the option(s) concerned.
    """
    given = set(given)
    flags = {}
    for parameter in BOOLEAN_OPTIONS:
        value = parse_bool(o[parameter], option_name(parameter))
        if value is not None:
            flags[parameter] = value
    _check_values(name, o)
    _check_mapping(name, o, flags)
    for parameter in sorted(given - TAKES[name]):
        raise OptionError(
            f"{option_name(parameter)} does nothing for {name}: it applies to "
            f"{_measures_taking(parameter)}",
            option_name(parameter),
        )
    if name in CMA_MEASURES or name in ("per-episode", "sliding-window"):
        measure = name if name in CMA_MEASURES else str(o["cma_to_apply"]).upper()
        _check_fixed_carry_over(name, measure, flags)
    _check_companions(name, o, flags, given)
    notices = []
    if given & set(_PARALLEL):
        notices.append(
            "--parallel-backend / --parallel-threads are accepted for AdhereR call "
            f"compatibility and ignored: the {o['engine']} engine parallelises on its own "
            "(the results are the same)"
        )
    if flags.get("dosage_change_means_new_treatment_episode"):
        notices.append(
            "--dosage-change-means-new-treatment-episode true has no effect, as in AdhereR "
            "0.8.1 (it compares the column's name, not its values)"
        )
    return notices


def _check_values(name: str, o: Mapping[str, Any]) -> None:
    for parameter in (
        "followup_window_start_unit",
        "followup_window_duration_unit",
        "observation_window_start_unit",
        "observation_window_duration_unit",
    ):
        _one_of(o[parameter], TIME_UNITS, parameter)
    _one_of(o["maximum_permissible_gap_unit"], GAP_UNITS, "maximum_permissible_gap_unit")
    for parameter in (
        "sliding_window_start_unit",
        "sliding_window_duration_unit",
        "sliding_window_step_unit",
    ):
        _one_of(o[parameter], tuple(FIXED_UNIT_DAYS), parameter)
    for parameter in ("followup_window_duration", "observation_window_duration"):
        number = None if o[parameter] is None else parse_number(o[parameter])
        if number is not None and not (math.isfinite(number) and number > 0):
            raise OptionError(
                f"{option_name(parameter)} {o[parameter]!r} must be a positive number "
                "(or a column of the input)",
                option_name(parameter),
            )
    for parameter in ("followup_window_start", "observation_window_start"):
        number = None if o[parameter] is None else parse_number(o[parameter])
        if number is not None and not math.isfinite(number):
            raise OptionError(
                f"{option_name(parameter)} {o[parameter]!r} is not a finite number",
                option_name(parameter),
            )
    for parameter in ("sliding_window_duration", "sliding_window_step_duration"):
        if not (math.isfinite(o[parameter]) and o[parameter] > 0):
            raise OptionError(
                f"{option_name(parameter)} {o[parameter]} must be a positive number",
                option_name(parameter),
            )
    if o["sliding_window_no_steps"] is not None and o["sliding_window_no_steps"] < 1:
        raise OptionError(
            f"--sliding-window-no-steps {o['sliding_window_no_steps']} must be at least 1",
            "--sliding-window-no-steps",
        )
    if o["maximum_permissible_gap"] is not None and not math.isfinite(o["maximum_permissible_gap"]):
        raise OptionError(
            f"--maximum-permissible-gap {o['maximum_permissible_gap']} is not a finite number",
            "--maximum-permissible-gap",
        )
    if str(o["cma_to_apply"]).upper() not in CMA_MEASURES:
        raise OptionError(
            f"--cma-to-apply {o['cma_to_apply']!r} must be one of CMA1 ... CMA9",
            "--cma-to-apply",
        )
    _one_of(o["parallel_backend"], PARALLEL_BACKENDS, "parallel_backend")
    threads = str(o["parallel_threads"])
    if threads != "auto" and not (threads.isdigit() and int(threads) >= 1):
        raise OptionError(
            f"--parallel-threads {threads!r} must be 'auto' or a positive whole number",
            "--parallel-threads",
        )
    for parameter in ("event_interval_colname", "gap_days_colname", "medication_groups_colname"):
        if o[parameter] is not None and not str(o[parameter]).strip():
            raise OptionError(f"{option_name(parameter)} is empty", option_name(parameter))
    if o["event_interval_colname"] == o["gap_days_colname"]:
        raise OptionError(
            f"--event-interval-colname and --gap-days-colname are both {o['gap_days_colname']!r}",
            "--event-interval-colname",
            "--gap-days-colname",
        )
    if name == "pdc" and (o["period_start"] is None or o["period_end"] is None):
        raise OptionError("pdc needs --period-start and --period-end", "--period-start")


def _one_of(value: str, allowed: Sequence[str], parameter: str) -> None:
    if value not in allowed:
        raise OptionError(
            f"{option_name(parameter)} must be one of {', '.join(allowed)}, not {value!r}",
            option_name(parameter),
        )


def _check_mapping(name: str, o: Mapping[str, Any], flags: Mapping[str, bool]) -> None:
    mapping = flags.get("return_mapping_events_episodes")
    if mapping and name != "episodes":
        where = (
            f"{name} has no treatment episodes"
            if name not in ("per-episode", "sliding-window")
            else f"AdhereR's {name} event mapping is not reproduced; the mapping of the "
            "treatment episodes is written by the episodes measure (with the carry-over "
            "options of the CMA)"
        )
        raise OptionError(
            f"--return-mapping-events-episodes true: {where}", "--return-mapping-events-episodes"
        )
    if o["mapping_out"] is not None and not mapping:
        raise OptionError(
            "--mapping-out is written only with --return-mapping-events-episodes true "
            "(measure episodes)",
            "--mapping-out",
        )
    if mapping and o["mapping_out"] is None:
        raise OptionError(
            "--return-mapping-events-episodes true needs --mapping-out FILE",
            "--return-mapping-events-episodes",
            "--mapping-out",
        )


def _check_fixed_carry_over(name: str, measure: str, flags: Mapping[str, bool]) -> None:
    number = int(measure[3:])
    within, into = CMA_CARRY_OVER[number]
    for parameter, fixed in (
        ("carryover_within_obs_window", within),
        ("carryover_into_obs_window", into),
    ):
        if parameter in flags and flags[parameter] != fixed:
            raise OptionError(
                f"{option_name(parameter)} {str(flags[parameter]).lower()} does nothing: "
                f"{measure} fixes it to {str(fixed).lower()} (AdhereR overrides it too)",
                option_name(parameter),
            )
    if number <= 4:
        for parameter in ("carry_only_for_same_medication", "consider_dosage_change"):
            if flags.get(parameter):
                raise OptionError(
                    f"{option_name(parameter)} true does nothing for {measure}: CMA1-CMA4 "
                    "take no carry-over",
                    option_name(parameter),
                )
    if name != measure and flags.get("force_na_cma_for_failed_patients") is False:
        raise OptionError(
            f"--force-na-cma-for-failed-patients false does nothing for {name}: patients "
            "without a usable episode or window are always left out, as AdhereR does",
            "--force-na-cma-for-failed-patients",
        )


def _check_companions(
    name: str, o: Mapping[str, Any], flags: Mapping[str, bool], given: set[str]
) -> None:
    """Options that qualify another one, given without it (or against it)."""
    groups = o["medication_groups"] is not None
    for parameter in ("flatten_medication_groups", "medication_groups_colname"):
        if parameter in given and not groups:
            raise OptionError(
                f"{option_name(parameter)} does nothing without --medication-groups",
                option_name(parameter),
            )
    if "followup_window_start_per_medication_group" in flags and not groups:
        raise OptionError(
            "--followup-window-start-per-medication-group does nothing without --medication-groups",
            "--followup-window-start-per-medication-group",
        )
    if flags.get("flatten_medication_groups") is False and "medication_groups_colname" in given:
        raise OptionError(
            "--medication-groups-colname names the group column of the flattened table: it "
            "does nothing with --flatten-medication-groups false (one file per group)",
            "--medication-groups-colname",
        )
    if name in ("per-episode", "sliding-window") and flags.get(
        "followup_window_start_per_medication_group"
    ):
        raise OptionError(
            f"--followup-window-start-per-medication-group true is not available for {name}: "
            "Concord computes its windows per patient",
            "--followup-window-start-per-medication-group",
        )
    if o["event_info"] and groups:
        raise OptionError(
            "--event-info is not available with --medication-groups",
            "--event-info",
            "--medication-groups",
        )
    if name in CMA_MEASURES and not o["event_info"]:
        for parameter in sorted(given & set(_COLNAMES)):
            raise OptionError(
                f"{option_name(parameter)} names a column of the --event-info table: it does "
                f"nothing without --event-info",
                option_name(parameter),
            )
    drop_failed = name in CMA_MEASURES and flags.get("force_na_cma_for_failed_patients") is False
    if drop_failed and (groups or o["event_info"]):
        other = "--medication-groups" if groups else "--event-info"
        raise OptionError(
            f"--force-na-cma-for-failed-patients false is not available with {other}",
            "--force-na-cma-for-failed-patients",
            other,
        )
    for parameter, column in (
        ("carry_only_for_same_medication", "medication_class_colname"),
        ("medication_change_means_new_treatment_episode", "medication_class_colname"),
        ("consider_dosage_change", "event_daily_dose_colname"),
    ):
        if flags.get(parameter) and parameter in given and o[column] is None:
            raise OptionError(
                f"{option_name(parameter)} true does nothing without {option_name(column)}",
                option_name(parameter),
                option_name(column),
            )
    carry_over = flags.get("carryover_within_obs_window") or flags.get("carryover_into_obs_window")
    if name == "event-gaps" and flags.get("carry_only_for_same_medication") and not carry_over:
        raise OptionError(
            "--carry-only-for-same-medication true needs --carryover-within-obs-window "
            "true or --carryover-into-obs-window true",
            "--carry-only-for-same-medication",
        )
    if o["sliding_window_no_steps"] is not None:
        for parameter in sorted(
            given & {"sliding_window_step_duration", "sliding_window_step_unit"}
        ):
            raise OptionError(
                f"{option_name(parameter)} does nothing with --sliding-window-no-steps (the "
                "step is computed from the number of windows)",
                option_name(parameter),
                "--sliding-window-no-steps",
            )
