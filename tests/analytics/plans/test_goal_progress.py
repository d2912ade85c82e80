"""Goal-based outcome change (concord.analytics.goal_progress): last - first against the
reliable-change value 2.45 (Edbrooke-Childs et al. 2015)."""

from __future__ import annotations

import math

import pytest

from concord.analytics.errors import AnalyticsInputError
from concord.analytics.goal_progress import GBO_RELIABLE_CHANGE, goal_progress


def test_reliable_change_value_is_edbrooke_childs_2015() -> None:
    assert GBO_RELIABLE_CHANGE == 2.45


@pytest.mark.parametrize(
    ("ratings", "change", "category"),
    [
        ([2, 3, 6], 4.0, "reliable_improvement"),  # 6 - 2 = 4 >= 2.45
        ([2, 9, 4], 2.0, "no_reliable_change"),  # only first and last count: 4 - 2 = 2
        ([5, 7], 2.0, "no_reliable_change"),  # 2 < 2.45
        ([4, 7], 3.0, "reliable_improvement"),  # 3: the smallest whole-point reliable change
        ([8, 5], -3.0, "reliable_deterioration"),  # -3 <= -2.45
        ([1.0, 3.5], 2.5, "reliable_improvement"),  # 2.5 >= 2.45
        ([1.0, 3.4], 2.4, "no_reliable_change"),  # 2.4 < 2.45
    ],
)
def test_change_is_last_minus_first(ratings: list[float], change: float, category: str) -> None:
    result = goal_progress(ratings)
    assert result.change == pytest.approx(change)
    assert (result.first, result.last) == (ratings[0], ratings[-1])
    assert result.category == category
    assert result.ratings == len(ratings)


def test_fewer_than_two_ratings_have_no_change() -> None:
    one = goal_progress([7])
    assert (one.change, one.category, one.first, one.last) == (None, "not_enough_ratings", 7, 7)
    none = goal_progress([])
    assert (none.change, none.category, none.first, none.last) == (
        None,
        "not_enough_ratings",
        None,
        None,
    )


def test_goal_reached_at_ten() -> None:
    assert goal_progress([3, 10]).reached is True
    assert goal_progress([10]).reached is True
    assert goal_progress([3, 9]).reached is False


def test_a_site_may_choose_another_threshold() -> None:
    assert goal_progress([5, 7], threshold=2.0).category == "reliable_improvement"


@pytest.mark.parametrize(
    ("ratings", "row"),
    [([3, 11], 2), ([-1, 3], 1), ([3, math.nan], 2), ([True, 3], 1), (["5", 6], 1)],
)
def test_out_of_range_ratings_are_named(ratings: list[object], row: int) -> None:
    with pytest.raises(AnalyticsInputError) as error:
        goal_progress(ratings)  # type: ignore[arg-type]
    assert (error.value.column, error.value.row) == ("rating", row)


def test_threshold_must_be_positive() -> None:
    with pytest.raises(AnalyticsInputError) as error:
        goal_progress([1, 5], threshold=0)
    assert error.value.column == "threshold"
