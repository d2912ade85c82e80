"""R ``as.Date`` formats translated to Spark's date patterns (no Spark needed)."""

from __future__ import annotations

import pytest

from concord.analytics.adherence import AdherenceInputError
from concord.analytics.adherence.distributed import spark_date_pattern


@pytest.mark.parametrize(
    ("r_format", "spark"),
    [
        ("%Y-%m-%d", "yyyy'-'M'-'d"),  # one or two digits, as R reads them
        ("%m/%d/%Y", "M'/'d'/'yyyy"),  # AdhereR's default
        ("%d %b %Y", "d' 'MMM' 'yyyy"),
        ("%Y%m%d", "yyyyMMdd"),  # adjacent numbers must be padded to be split
        ("%d.%m.%Y at %%", "d'.'M'.'yyyy' at %'"),  # literal letters quoted, %% a percent
        ("%Y-%j", "yyyy'-'D"),
    ],
)
def test_r_date_formats_become_spark_patterns(r_format: str, spark: str) -> None:
    assert spark_date_pattern(r_format) == spark


@pytest.mark.parametrize("r_format", ["%y-%m-%d", "%Y-%m-%d %H"])
def test_codes_spark_reads_differently_are_refused(r_format: str) -> None:
    with pytest.raises(AdherenceInputError) as caught:
        spark_date_pattern(r_format)
    assert caught.value.column == "date.format"
    assert "is not supported" in str(caught.value)
