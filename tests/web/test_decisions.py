"""The shared plan: shared-decision records, versioned and printable."""

from __future__ import annotations

from .access_tables import ApiTable, PageTable

# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
DECISIONS_PAGES: PageTable = {}
DECISIONS_API: ApiTable = {}
