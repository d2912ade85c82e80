"""Concord's date formats per language (``FORMAT_MODULE_PATH``).

Templates and code write dates with Django's named formats (``date:"DATE_FORMAT"`` …), never
with a fixed pattern, so each language writes them its own way: "5 March 2026" in English,
"5 de marzo de 2026" in Spanish. Anything not set here (number separators, first day of the
week, input formats) comes from Django's own locale files.

=====================  ======================  ===========================
name                   English                 Spanish
=====================  ======================  ===========================
DATE_FORMAT            5 March 2026            5 de marzo de 2026
SHORT_DATE_FORMAT      5 Mar 2026              5 mar 2026
DATETIME_FORMAT        5 March 2026, 14:30     5 de marzo de 2026, 14:30
SHORT_DATETIME_FORMAT  5 Mar 2026, 14:30       5 mar 2026, 14:30
MONTH_DAY_FORMAT       5 Mar                   5 mar
YEAR_MONTH_FORMAT      March 2026              marzo de 2026
TIME_FORMAT            14:30                   14:30
=====================  ======================  ===========================
"""
