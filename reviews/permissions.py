"""Who manages a meeting's results (django-rules): the bureau reviewer at or above the committee's
organiser publishes the 公示, resolves its objections, approves and records the filing. Each declaration's
``approve`` and ``overturn`` are also checked against the transition table (its bureau)."""

import rules

from committees.permissions import oversees_meeting

rules.add_perm("reviews.manage_results", oversees_meeting)
