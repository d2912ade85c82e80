"""The shared plan: barriers to adherence, their actions, community resources and referrals."""

from __future__ import annotations

from .access_tables import ApiTable, PageTable

# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
BARRIERS_PAGES: PageTable = {}
BARRIERS_API: ApiTable = {}
