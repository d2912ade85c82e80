"""The shared plan: goals in the patient's words, agreed tasks, exercises, completion logs."""

from __future__ import annotations

from .access_tables import ApiTable, PageTable

# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
PLANS_PAGES: PageTable = {}
PLANS_API: ApiTable = {}
