"""Early-warning rules that combine alliance, adherence and outcome signals.

Framework-free (numpy, polars; statsmodels via the not-on-track model). Every signal is a
frozen dataclass with a ``rule`` code and its evidence; priorities are codes, never
translated text. Rules, defaults and sources: docs/analytics/risk.md.
"""
