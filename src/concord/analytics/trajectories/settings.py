"""From suddengains-style arguments to internal criteria settings.

Two modes:

``compat="suddengains"``
    Reproduces suddengains 0.7.2 including its documented quirks.
``compat=None`` (default)
    The same criteria with the quirks fixed (see ``docs/analytics/trajectories.md``):
    the sign of ``sg_crit2_pct`` is ignored (losses must rise by at least
    ``|p|`` of the pre-loss score), reversals are searched from the first
    session after the post-gain session, ``largest``/``smallest`` compare
    absolute sizes, and higher-is-better scales are supported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from concord.analytics.trajectories.criteria import ChangeKind, CriteriaSettings
from concord.analytics.trajectories.errors import TrajectoryInputError

Identify = Literal["sg", "sl"]
Direction = Literal["lower_is_better", "higher_is_better"]
COMPAT_SUDDENGAINS = "suddengains"


@dataclass(frozen=True)
class SuddenChangeOptions:
    """All arguments of a sudden gains / losses search (suddengains names)."""

    identify: Identify
    sg_crit1_cutoff: float | None
    sg_crit2_pct: float | None = 0.25
    sg_crit3: bool = True
    sg_crit3_alpha: float = 0.05
    sg_crit3_adjust: bool = True
    sg_crit3_critical_value: float = 2.776
    identify_sg_1to2: bool = False
    direction: Direction = "lower_is_better"
    crit2_scale_minimum: float = 0.0
    compat: str | None = None

    @property
    def is_compat(self) -> bool:
        """True in ``compat="suddengains"`` mode."""
        return self.compat == COMPAT_SUDDENGAINS

    @property
    def kind(self) -> ChangeKind:
        """Whether the event is a decrease or an increase of the raw score."""
        improvement_is_decrease = self.direction == "lower_is_better"
        if self.identify == "sg":
            return "decrease" if improvement_is_decrease else "increase"
        return "increase" if improvement_is_decrease else "decrease"

    @property
    def prefix(self) -> str:
        """Column prefix, ``sg`` or ``sl``."""
        return self.identify

    def validate(self) -> None:
        """Raise :class:`TrajectoryInputError` on an inconsistent combination."""
        if self.identify not in ("sg", "sl"):
            raise TrajectoryInputError(f"identify must be 'sg' or 'sl', got {self.identify!r}")
        if self.compat not in (None, COMPAT_SUDDENGAINS):
            raise TrajectoryInputError(f"compat must be None or 'suddengains', got {self.compat!r}")
        if self.direction not in ("lower_is_better", "higher_is_better"):
            raise TrajectoryInputError(
                f"direction must be 'lower_is_better' or 'higher_is_better', got {self.direction!r}"
            )
        if self.is_compat and self.direction != "lower_is_better":
            raise TrajectoryInputError(
                "suddengains has no score direction: with compat='suddengains' use "
                "direction='lower_is_better' (identify_sl with negative cut-offs finds "
                "increases)"
            )
        if self.is_compat and self.crit2_scale_minimum != 0.0:
            raise TrajectoryInputError("crit2_scale_minimum is not available in compat mode")
        cutoff = self.sg_crit1_cutoff
        if cutoff is not None and self.identify == "sg" and cutoff < 0:
            raise TrajectoryInputError(
                f"sg_crit1_cutoff must be zero or positive for sudden gains, got {cutoff}"
            )
        if cutoff is not None and self.identify == "sl" and cutoff > 0:
            raise TrajectoryInputError(
                f"sg_crit1_cutoff must be zero or negative for sudden losses, got {cutoff}"
            )
        if self.sg_crit1_cutoff is None and self.sg_crit2_pct is None and not self.sg_crit3:
            raise TrajectoryInputError("at least one of the three criteria must be applied")

    def criteria(self) -> CriteriaSettings:
        """Internal settings: cut-offs expressed on the signed change of ``kind``."""
        self.validate()
        crit1 = None if self.sg_crit1_cutoff is None else abs(self.sg_crit1_cutoff)
        pct = self.sg_crit2_pct
        if pct is not None:
            if not self.is_compat:
                pct = abs(pct)
            elif self.identify == "sl":
                # suddengains tests a - b <= p * a, i.e. b - a >= -p * a
                pct = -pct
        return CriteriaSettings(
            kind=self.kind,
            crit1_cutoff=crit1,
            crit2_pct=pct,
            crit2_floor=self.crit2_scale_minimum,
            crit3=self.sg_crit3,
            crit3_alpha=self.sg_crit3_alpha,
            crit3_adjust=self.sg_crit3_adjust,
            crit3_critical_value=self.sg_crit3_critical_value,
        )

    def session_number(self, pre_position: int) -> int:
        """Pre-gain session number for a 0-based column position."""
        return pre_position if self.identify_sg_1to2 else pre_position + 1
