"""The shared plan: education materials, read receipts and after-visit summaries."""

from __future__ import annotations

from .access_tables import ApiTable, PageTable

# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
MATERIALS_PAGES: PageTable = {}
MATERIALS_API: ApiTable = {}
