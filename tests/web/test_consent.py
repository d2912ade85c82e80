"""The shared plan: consent records, supporters and what each consented scope lets them see."""

from __future__ import annotations

from .access_tables import ApiTable, PageTable

# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix).
CONSENT_PAGES: PageTable = {}
CONSENT_API: ApiTable = {}
