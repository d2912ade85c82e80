"""Goal-based outcomes (GBO): progress towards a goal rated by the patient from 0 to 10.

Law & Jacob's goal-based outcome tool: 0 = no progress towards the goal at all, 10 = the goal
is reached. The outcome of a goal is its *change*, the last rating minus the first::

    change = rating_last - rating_first

A change is *reliable* when ``|change| >= threshold``. The default threshold,
:data:`GBO_RELIABLE_CHANGE` = 2.45 points, is the reliable-change value for the GBO reported by
Edbrooke-Childs et al. (2015) from routine child and adolescent mental-health data and used
since in outcome reports (see ``docs/analytics/goal-progress.md`` for the source and what we
could and could not check). Ratings are whole numbers, so in practice a reliable change is
one of 3 points or more.

Codes returned (the web layer translates them):

* ``not_enough_ratings`` - fewer than two ratings;
* ``reliable_improvement`` - change >= threshold;
* ``reliable_deterioration`` - change <= -threshold;
* ``no_reliable_change`` - anything in between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from concord.analytics.errors import AnalyticsInputError

GBO_MIN = 0
GBO_MAX = 10
GBO_RELIABLE_CHANGE = 2.45

NOT_ENOUGH_RATINGS = "not_enough_ratings"
RELIABLE_IMPROVEMENT = "reliable_improvement"
RELIABLE_DETERIORATION = "reliable_deterioration"
NO_RELIABLE_CHANGE = "no_reliable_change"


@dataclass(frozen=True)
class GoalProgress:
    """The first and last rating of a goal, the change between them and its category."""

    ratings: int
    first: float | None
    last: float | None
    change: float | None
    threshold: float
    category: str
    reached: bool  # the last rating is 10


def goal_progress(
    ratings: Sequence[float], *, threshold: float = GBO_RELIABLE_CHANGE
) -> GoalProgress:
    """Change from the first to the last of a goal's ratings (given in time order).

    Parameters
    ----------
    ratings
        The patient's 0-10 ratings of one goal, oldest first.
    threshold
        Smallest absolute change counted as reliable (default 2.45, Edbrooke-Childs et al.
        2015).

    Returns
    -------
    GoalProgress
        ``change = last - first`` and its category code (module docstring).

    Raises
    ------
    AnalyticsInputError
        A rating outside 0-10 or not a number (``row`` is its 1-based position), or a
        threshold that is not a positive number.

    Examples
    --------
    Ratings 2, 3, 6: change = 6 - 2 = 4 >= 2.45, a reliable improvement.
    Ratings 5, 7: change = 2 < 2.45, no reliable change.
    """
    if not isinstance(threshold, int | float) or not math.isfinite(threshold) or threshold <= 0:
        raise AnalyticsInputError(
            f"must be a positive number, not {threshold!r}", column="threshold"
        )
    values: list[float] = []
    for row, value in enumerate(ratings, start=1):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not GBO_MIN <= value <= GBO_MAX
        ):
            raise AnalyticsInputError(
                f"a rating must be from {GBO_MIN} to {GBO_MAX}, not {value!r}",
                row=row,
                column="rating",
            )
        values.append(float(value))
    if len(values) < 2:
        last = values[-1] if values else None
        return GoalProgress(
            ratings=len(values),
            first=values[0] if values else None,
            last=last,
            change=None,
            threshold=threshold,
            category=NOT_ENOUGH_RATINGS,
            reached=last == GBO_MAX,
        )
    change = values[-1] - values[0]
    if change >= threshold:
        category = RELIABLE_IMPROVEMENT
    elif change <= -threshold:
        category = RELIABLE_DETERIORATION
    else:
        category = NO_RELIABLE_CHANGE
    return GoalProgress(
        ratings=len(values),
        first=values[0],
        last=values[-1],
        change=change,
        threshold=threshold,
        category=category,
        reached=values[-1] == GBO_MAX,
    )
