"""Medication groups (AdhereR's ``medication.groups``) on the Polars / DuckDB path.

The R expressions are read by :mod:`concord.analytics.adherence.group_expressions` (never
evaluated as code) and turned into Polars expressions here.

Semantics follow AdhereR (spec section 5): a missing result counts as "not selected"; the
group ``__ALL_OTHERS__`` holds the rows no group selects; groups that select no row are
omitted; a medication-groups *column* makes one group per distinct non-missing value (in
sorted order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.group_expressions import parse_group_definitions, to_polars

__all__ = ["ALL_OTHERS", "MedicationGroups", "evaluate_groups"]

ALL_OTHERS = "__ALL_OTHERS__"


@dataclass(frozen=True)
class MedicationGroups:
    """Evaluated groups: names in definition order and their row masks (sorted events)."""

    names: tuple[str, ...]
    masks: tuple[pl.Series, ...]

    def long_events(
        self, base: pl.DataFrame, key_base: int, *, dose_sums: bool = True
    ) -> pl.DataFrame:
        """The events of every group stacked, with ``key = group * key_base + patient``."""
        parts = [
            base.filter(mask)
            .with_columns((pl.col("p").cast(pl.Int64) + index * key_base).alias("key"))
            .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("key").alias("k"))
            for index, mask in enumerate(self.masks)
        ]
        from concord.analytics.adherence.plan import add_sequence_columns

        return add_sequence_columns(pl.concat(parts), dose_sums=dose_sums)

    def expand_patient_windows(self, pw: pl.DataFrame, key_base: int) -> pl.DataFrame:
        """Every patient's windows copied to every group."""
        return pl.concat(
            [
                pw.with_columns((pl.col("p").cast(pl.Int64) + index * key_base).alias("key"))
                for index in range(len(self.names))
            ]
        )

    def in_order(self, order: pl.Series) -> MedicationGroups:
        """The masks re-ordered (``order[i]`` = input index of the i-th sorted event)."""
        return MedicationGroups(self.names, tuple(mask.gather(order) for mask in self.masks))

    def names_expr(self, column: str) -> pl.Expr:
        mapping = dict(enumerate(self.names))
        return pl.col(column).replace_strict(mapping, return_dtype=pl.String)


def evaluate_groups(frame: pl.DataFrame, groups: str | Mapping[str, str]) -> MedicationGroups:
    """Evaluate medication groups on the (sorted) events."""
    if isinstance(groups, str):
        if groups not in frame.columns:
            raise AdherenceInputError(
                f"medication.groups {groups!r} is not a column of the data", column=groups
            )
        values = frame.get_column(groups).drop_nulls().unique().sort().to_list()
        definitions = {str(v): pl.col(groups) == v for v in values}
    else:
        parsed = parse_group_definitions(groups, set(frame.columns))
        definitions = {name: to_polars(node) for name, node in parsed.items()}
    selected = frame.select(
        [
            expr.fill_null(False).cast(pl.Boolean).alias(f"g{i}")
            for i, expr in enumerate(definitions.values())
        ]
    )
    masks = [selected.get_column(f"g{i}") for i in range(len(definitions))]
    names = list(definitions)
    if masks:
        others = ~pl.DataFrame(masks).select(pl.any_horizontal(pl.all())).to_series()
    else:
        others = pl.Series([True] * frame.height)
    names.append(ALL_OTHERS)
    masks.append(others)
    kept = [(n, m) for n, m in zip(names, masks, strict=True) if m.any()]
    return MedicationGroups(
        names=tuple(n for n, _ in kept), masks=tuple(m.alias("mask") for _, m in kept)
    )
