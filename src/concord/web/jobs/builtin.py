"""Job kinds Concord ships with."""

from __future__ import annotations

from typing import Any

from concord.web.audit.chain import verify
from concord.web.jobs.registry import job_handler


@job_handler("audit.verify_chain")
def verify_audit_chain(payload: dict[str, Any]) -> dict[str, Any]:
    """Check the audit hash chain; the result names the first broken row, if any."""
    report = verify()
    return {
        "ok": report.ok,
        "rows_checked": report.rows_checked,
        "first_broken_id": report.first_broken_id,
        "reason": report.reason,
    }
