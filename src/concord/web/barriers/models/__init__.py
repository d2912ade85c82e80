"""Barriers to adherence with their actions, and the clinic's community resources with
referrals to them. Read and written only through the barriers services (``services``,
``portal``, ``resources``, ``referrals``), which apply the access rules and audit.
"""

from concord.web.barriers.models.barriers import (
    CURRENT_BARRIER_STATUSES,
    ActionKind,
    ActionStatus,
    ActionUpdate,
    Barrier,
    BarrierAction,
    BarrierKind,
    BarrierStatus,
    BarrierStatusChange,
    OwnerKind,
    RaisedBy,
)
from concord.web.barriers.models.resources import (
    CommunityResource,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    ResourceCategory,
)

__all__ = [
    "CURRENT_BARRIER_STATUSES",
    "ActionKind",
    "ActionStatus",
    "ActionUpdate",
    "Barrier",
    "BarrierAction",
    "BarrierKind",
    "BarrierStatus",
    "BarrierStatusChange",
    "CommunityResource",
    "OwnerKind",
    "RaisedBy",
    "Referral",
    "ReferralStatus",
    "ReferralStatusChange",
    "ResourceCategory",
]
