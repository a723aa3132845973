"""Who may do what with plans and rulebooks (django-rules; see accounts/permissions.py)."""

import rules

from accounts.models import Role
from accounts.permissions import bureau_region_codes, has_role, is_system_admin


@rules.predicate
def is_plan_bureau(user, plan):
    """A bureau reviewer of the organisation that issues the plan."""
    return plan is not None and has_role(user, Role.BUREAU_REVIEWER, plan.organisation)


@rules.predicate
def is_draft(user, plan):
    return plan is not None and plan.status == "draft"


@rules.predicate
def is_published(user, plan):
    return plan is not None and plan.status == "published"


# Who answers for the plan; "may this plan be published/amended now" adds its state, and the page's
# button, the API and the service all ask these two permissions.
manages_plan = is_system_admin | is_plan_bureau
rules.add_perm("titles.manage_plan", manages_plan)
rules.add_perm("titles.publish_plan", manages_plan & is_draft)
rules.add_perm("titles.amend_plan", manages_plan & is_published)
rules.add_perm("titles.view_plan", is_published | is_system_admin | is_plan_bureau)  # published: public


# --- the admin console: what each role may change (objects fetched through titles.selectors) -----


@rules.predicate
def is_draft(user, plan):
    return plan is None or plan.status == "draft"


@rules.predicate
def is_plan_issuer(user, plan):
    """Without a plan: may the user draft plans at all (a bureau reviewer); with one: its bureau's."""
    return has_role(user, Role.BUREAU_REVIEWER) if plan is None else is_plan_bureau(user, plan)


@rules.predicate
def is_regional_layer(user, rulebook):
    return rulebook is None or bool(rulebook.region_code)


@rules.predicate
def is_region_bureau(user, obj):
    """A bureau reviewer of an HR bureau of the object's region (without an object: of any region)."""
    regions = bureau_region_codes(user)
    return bool(regions) if obj is None else obj.region_code in regions


@rules.predicate
def is_editable_version(user, rulebook):
    """An active (or retired) version is never edited in place: a new version is made and activated."""
    return rulebook is None or rulebook.status == "draft"


# National data: the catalogue (series, specialties, title names) and holiday schedules.
rules.add_perm("titles.manage_national_data", is_system_admin)
rules.add_perm("titles.manage_rulebook", is_system_admin | (is_regional_layer & is_region_bureau))
rules.add_perm("titles.edit_rulebook", rules.is_authenticated & is_editable_version
               & (is_system_admin | (is_regional_layer & is_region_bureau)))
rules.add_perm("titles.edit_plan", rules.is_authenticated & is_draft & (is_system_admin | is_plan_issuer))
