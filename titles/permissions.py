"""Who may do what with plans and rulebooks (django-rules; see accounts/permissions.py)."""

import rules

from accounts.models import Role
from accounts.permissions import has_role, is_system_admin


@rules.predicate
def is_plan_bureau(user, plan):
    """A bureau reviewer of the organisation that issues the plan."""
    return plan is not None and has_role(user, Role.BUREAU_REVIEWER, plan.organisation)


@rules.predicate
def is_published(user, plan):
    return plan is not None and plan.status == "published"


rules.add_perm("titles.publish_plan", is_system_admin | is_plan_bureau)
rules.add_perm("titles.amend_plan", is_system_admin | is_plan_bureau)
rules.add_perm("titles.view_plan", is_published | is_system_admin | is_plan_bureau)  # published: public
