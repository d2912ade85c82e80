"""Session engagement measures computed from counts of session outcomes."""

from __future__ import annotations


def attendance_rate(attended: int, no_show: int, cancelled_by_patient: int) -> float | None:
    """Share of the patient's due sessions that the patient attended.

    .. math:: \\text{rate} = \\frac{A}{A + N + C_p}

    where *A* counts attended sessions, *N* no-shows and *C_p* sessions the patient
    cancelled. Sessions cancelled by the clinic and sessions still scheduled are not the
    patient's choice or not yet due, so they are left out. Returns ``None`` (not 0) when no
    session has fallen due, so that a new patient is not shown as non-attending.

    Raises
    ------
    ValueError
        If a count is negative.
    """
    for name, value in (
        ("attended", attended),
        ("no_show", no_show),
        ("cancelled_by_patient", cancelled_by_patient),
    ):
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")
    due = attended + no_show + cancelled_by_patient
    if due == 0:
        return None
    return attended / due
