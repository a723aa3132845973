"""Who manages a meeting's results (django-rules): the bureau reviewer at or above the committee's
organiser publishes the 公示, resolves its objections, approves and records the filing. Each declaration's
``approve`` and ``overturn`` are also checked against the transition table (its bureau). The yearly report
of a plan: that bureau, and the system admin (admin console)."""

import rules

from accounts.permissions import is_system_admin
from committees.permissions import is_organising_bureau, oversees_meeting


@rules.predicate
def has_committee(user, committee):
    return committee is not None


rules.add_perm("reviews.manage_results", oversees_meeting)
rules.add_perm("reviews.report_results", has_committee & (is_organising_bureau | is_system_admin))
