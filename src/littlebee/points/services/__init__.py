"""Every write of points, one module per subject:

- `ledger`: awarding, spending, reversing and adjusting points, and the account's board settings;
- `expiry`: the nightly expiry and the warning before it;
- `titles`: honorary titles a community grants;
- `defaults`: the default earning rules and badges, and a staff member's change to a rule.

The package re-exports each module's public names, so `from littlebee.points import services`
and `from littlebee.points.services import points_award` read as before.
"""

from .defaults import BADGE_DEFAULTS, RULE_DEFAULTS, earning_rule_save, points_defaults_ensure
from .expiry import points_due_to_expire, points_expire_due, points_warn_expiring
from .ledger import (
    AwardResult,
    checkin_points_award,
    points_adjust,
    points_award,
    points_board_privacy_set,
    points_reverse,
    points_set_hidden,
    points_spend,
    source_ref,
)
from .titles import CITATION_MAX, TITLE_MAX, honorary_title_grant, honorary_title_revoke

__all__ = [
    "BADGE_DEFAULTS",
    "CITATION_MAX",
    "RULE_DEFAULTS",
    "TITLE_MAX",
    "AwardResult",
    "checkin_points_award",
    "earning_rule_save",
    "honorary_title_grant",
    "honorary_title_revoke",
    "points_adjust",
    "points_award",
    "points_board_privacy_set",
    "points_defaults_ensure",
    "points_due_to_expire",
    "points_expire_due",
    "points_reverse",
    "points_set_hidden",
    "points_spend",
    "points_warn_expiring",
    "source_ref",
]
