"""The admin console through the same gates as pages and the API, tried from a second city.

Two cities: 长治 (140400, the demo's) and 太原 (140100). Every admin page and action of every model
registered in ``admin.site._registry`` (so that new models are covered without editing this file)
is tried by 太原's bureau reviewer on 长治's objects: 403 or 404, and nothing changes.
"""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.urls import reverse

from accounts.models import Event, OrganisationKind, Role
from committees.models import Committee
from tests.factories import OrganisationFactory, review_plan, user_with_role
from titles.demo import bureau_admin_group
from titles.models import PlanAmendment, ReviewPlan, RulebookVersion, Series, WorkingDaySchedule
from titles.services import amend_plan, publish_plan, store_schedule

pytestmark = pytest.mark.django_db

CITIES = {"长治": "140400", "太原": "140100"}


def _city(name, region):
    bureau = OrganisationFactory(name=f"{name}市人力资源和社会保障局", kind=OrganisationKind.HR_BUREAU,
                                 region_code=region)
    dept = OrganisationFactory(name=f"{name}市住房和城乡建设局", kind=OrganisationKind.COMPETENT_DEPARTMENT,
                               parent=bureau, region_code=region)
    employer = OrganisationFactory(name=f"{name}市建筑设计研究院", parent=dept, region_code=region)
    office = OrganisationFactory(name=f"{name}市工程系列评委会办公室", kind=OrganisationKind.COMMITTEE_OFFICE,
                                 parent=bureau, region_code=region)
    reviewer = user_with_role(Role.BUREAU_REVIEWER, bureau, username=f"bureau_{region}", real_name=f"{name}审核人",
                              is_staff=True)
    reviewer.groups.add(bureau_admin_group())
    draft = review_plan(bureau, name=f"{name}工程系列中级职称评审工作方案（草稿）")
    published = review_plan(bureau, name=f"{name}工程系列中级职称评审工作方案")
    Committee.objects.filter(pk__in=[draft.committee_id, published.committee_id]).update(
        name=f"{name}市工程系列中级职称评审委员会", office=office)
    publish_plan(actor=reviewer, plan_id=published.pk)
    amend_plan(actor=reviewer, plan_id=published.pk, reason=f"{name}调整评审会议时间",
               phases={"review_meetings": (date(2026, 11, 11), date(2026, 11, 20))})
    active = RulebookVersion.objects.create(name=f"{name}市规则库", region_code=region, version=1,
                                            status=RulebookVersion.Status.ACTIVE, eligibility={}, calendar={})
    drafted = RulebookVersion.objects.create(name=f"{name}市规则库（修订稿）", region_code=region, version=2,
                                             eligibility={}, calendar={})
    people = {role: user_with_role(role, org, real_name=f"{name}{Role(role).label}") for role, org in (
        (Role.APPLICANT, employer), (Role.EMPLOYER_HANDLER, employer), (Role.EMPLOYER_ADMIN, employer),
        (Role.DEPT_REVIEWER, dept), (Role.COMMITTEE_SECRETARY, office), (Role.EXPERT, office),
        (Role.AUDITOR, bureau))}
    people[Role.BUREAU_REVIEWER] = reviewer
    return {"bureau": bureau, "reviewer": reviewer, "draft": draft, "published": published, "active": active,
            "drafted": drafted, "people": people}


@pytest.fixture
def cities(db):
    found = {name: _city(name, region) for name, region in CITIES.items()}
    sysadmin = user_with_role(Role.SYSTEM_ADMIN, found["长治"]["bureau"], username="sysadmin", is_staff=True,
                              is_superuser=True)
    store_schedule(actor=sysadmin, year=2027, holidays=["2027-01-01"], workdays=[], source="国办发明电")
    found["sysadmin"] = sysadmin
    return found


def _snapshot():
    """Every row of every model the console shows, as values (what 'changes nothing' compares); sign-ins
    themselves (last_login, the sign-in logs) are not changes."""
    return {model._meta.label: sorted(repr({k: v for k, v in row.items() if k != "last_login"})
                                      for row in model._default_manager.values())
            for model in admin.site._registry
            if model._meta.app_label != "axes" and model._meta.label != "accounts.SignInRecord"}


def _object_urls(model, obj):
    info = (model._meta.app_label, model._meta.model_name)
    urls = [reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]),
            reverse(f"admin:{info[0]}_{info[1]}_history", args=[obj.pk]),
            reverse(f"admin:{info[0]}_{info[1]}_delete", args=[obj.pk])]
    history = getattr(model, "history", None)
    if history is not None and obj.history.exists():
        urls.append(reverse(f"admin:{info[0]}_{info[1]}_simple_history",
                            args=[obj.pk, obj.history.first().history_id]))
    return urls


def _changzhi_objects(cities):
    """For each registered model, the 长治 objects: those whose text names 长治 (every fixture object does)."""
    found = []
    for model in admin.site._registry:
        for obj in model._default_manager.all():
            text = str(obj) + " ".join(str(v) for v in model._default_manager.filter(pk=obj.pk).values().first()
                                       .values())
            if "长治" in text and not (isinstance(obj, Event) and "太原" in text):
                found.append((model, obj))
    return found


def test_the_other_citys_bureau_reviewer_gets_403_or_404_everywhere_and_changes_nothing(client, cities):
    targets = _changzhi_objects(cities)
    models = {model for model, _ in targets}
    for wanted in (ReviewPlan, PlanAmendment, RulebookVersion, Committee, Event):
        assert wanted in models, wanted  # the fixture covers the kinds the issue names
    client.force_login(cities["太原"]["reviewer"])
    before, events = _snapshot(), Event.objects.count()
    for model, obj in targets:
        for url in _object_urls(model, obj):
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"name": "改为长治", "post": "yes"})
                assert response.status_code in (403, 404), (method, url, response.status_code)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse(f"admin:{info[0]}_{info[1]}_changelist")
        response = client.get(changelist)
        assert response.status_code in (200, 403), changelist
        assert "长治" not in response.content.decode(), changelist
        theirs = [obj.pk for m, obj in targets if m is model]
        for action in list(model_admin.actions or []) + ["delete_selected"]:
            if not theirs:
                continue
            response = client.post(changelist, {"action": action, helpers.ACTION_CHECKBOX_NAME: theirs,
                                                "index": 0, "post": "yes"})
            assert response.status_code in (403, 404), (changelist, action, response.status_code)
    assert _snapshot() == before
    assert Event.objects.count() == events


def test_choices_list_only_the_reviewers_own_organisations_and_committees(client, cities):
    client.force_login(cities["长治"]["reviewer"])
    html = client.get(reverse("admin:titles_reviewplan_add")).content.decode()
    assert "长治市人力资源和社会保障局" in html and "长治市工程系列中级职称评审委员会" in html
    assert "太原" not in html
    html = client.get(reverse("admin:committees_committee_add")).content.decode()
    assert "长治市工程系列评委会办公室" in html and "太原" not in html


def test_a_plan_cannot_be_moved_to_another_city_and_an_edit_of_a_draft_writes_an_event(client, cities):
    changzhi, taiyuan = cities["长治"], cities["太原"]
    plan = changzhi["draft"]
    client.force_login(changzhi["reviewer"])
    url = reverse("admin:titles_reviewplan_change", args=[plan.pk])
    data = {"year": 2026, "name": "长治方案（改名）", "organisation": plan.organisation_id,
            "committee": plan.committee_id, "series": plan.series_id, "levels": ["intermediate", "assistant"],
            "document_number": "", "issued_on": "2026-07-01",
            "phases-TOTAL_FORMS": 0, "phases-INITIAL_FORMS": 0, "phases-MIN_NUM_FORMS": 0,
            "phases-MAX_NUM_FORMS": 1000}
    moved = client.post(url, {**data, "organisation": taiyuan["bureau"].pk})
    assert moved.status_code == 200 and "organisation" in moved.context["adminform"].form.errors
    plan.refresh_from_db()
    assert plan.organisation == changzhi["bureau"] and plan.name.endswith("（草稿）")
    assert client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert plan.name == "长治方案（改名）" and plan.levels == ["assistant", "intermediate"]
    event = Event.objects.get(action="admin_change", object_id=str(plan.pk))
    assert event.actor == changzhi["reviewer"] and "方案名称" in event.comment


def test_a_published_plan_is_read_only_and_history_cannot_revert_it(client, cities):
    changzhi = cities["长治"]
    plan = changzhi["published"]
    client.force_login(cities["sysadmin"])
    first = plan.history.order_by("history_date").first()
    entry = reverse("admin:titles_reviewplan_simple_history", args=[plan.pk, first.history_id])
    page = client.get(entry)
    assert page.status_code == 200 and "还原" not in page.content.decode()
    assert client.post(entry, {"name": "被恢复", "year": 2026}).status_code == 403
    change = client.get(reverse("admin:titles_reviewplan_change", args=[plan.pk])).content.decode()
    assert 'name="name"' not in change  # every field read-only
    plan.refresh_from_db()
    assert plan.status == ReviewPlan.Status.PUBLISHED and plan.name == "长治工程系列中级职称评审工作方案"


def test_an_amendment_page_opens_read_only(client, cities):
    amendment = PlanAmendment.objects.get(plan=cities["长治"]["published"])
    client.force_login(cities["长治"]["reviewer"])
    response = client.get(reverse("admin:titles_planamendment_change", args=[amendment.pk]))
    assert response.status_code == 200 and "长治调整评审会议时间" in response.content.decode()


def _active_national():
    return RulebookVersion.objects.get(region_code="", year=None, status=RulebookVersion.Status.ACTIVE)


NATIONAL = [
    lambda: _active_national(),
    lambda: Series.objects.get(name="工程"),
    lambda: WorkingDaySchedule.objects.get(year=2027),
]


@pytest.mark.parametrize("national", NATIONAL)
def test_national_data_refuses_every_role_but_the_system_admin(client, cities, national):
    obj = national()
    model = type(obj)
    info = (model._meta.app_label, model._meta.model_name)
    people = [(role, person) for city in CITIES for role, person in cities[city]["people"].items()]
    for _role, person in people:  # even with the console open to them and the bureau's group
        person.is_staff = True
        person.save()
        person.groups.add(bureau_admin_group())
    before = _snapshot()
    for role, person in people:
        client.force_login(person)
        change = reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk])
        response = client.post(change, {"name": "被改写", "year": 2030, "holidays": "[]"})
        assert response.status_code == 403, (role, change, response.status_code)
        # adding national data: refused outright, or (a bureau adding a rulebook layer) the region
        # choices hold only the bureau's own region, so a national layer cannot be chosen
        response = client.post(reverse(f"admin:{info[0]}_{info[1]}_add"), {
            "name": "被改写", "region_code": "", "year": 2030, "version": 9, "eligibility": "{}",
            "calendar": "{}", "holidays": "[]"})
        assert response.status_code in (200, 403), (role, response.status_code)
    assert _snapshot() == before


def test_the_active_national_rulebook_is_copied_and_activated_never_edited_in_place(client, cities):
    national = _active_national()
    client.force_login(cities["sysadmin"])
    url = reverse("admin:titles_rulebookversion_change", args=[national.pk])
    assert client.post(url, {"name": "改写", "eligibility": "{}", "calendar": "{}"}).status_code == 403
    changelist = reverse("admin:titles_rulebookversion_changelist")
    client.post(changelist, {"action": "copy_selected", helpers.ACTION_CHECKBOX_NAME: [national.pk], "index": 0})
    copy = RulebookVersion.objects.get(region_code="", year=None, version=national.version + 1)
    assert copy.status == RulebookVersion.Status.DRAFT and copy.eligibility == national.eligibility
    client.post(changelist, {"action": "activate_selected", helpers.ACTION_CHECKBOX_NAME: [copy.pk], "index": 0})
    copy.refresh_from_db()
    national.refresh_from_db()
    assert (copy.status, national.status) == ("active", "retired")
    assert list(Event.objects.filter(action__in=["copy_rulebook", "retire_rulebook", "activate_rulebook"])
                .order_by("pk").values_list("action", flat=True)) == [
        "copy_rulebook", "retire_rulebook", "activate_rulebook"]


def test_a_bureau_activates_its_own_regional_draft_but_not_another_citys(client, cities):
    changzhi, taiyuan = cities["长治"], cities["太原"]
    client.force_login(changzhi["reviewer"])
    changelist = reverse("admin:titles_rulebookversion_changelist")
    client.post(changelist, {"action": "activate_selected",
                             helpers.ACTION_CHECKBOX_NAME: [changzhi["drafted"].pk], "index": 0})
    changzhi["drafted"].refresh_from_db()
    assert changzhi["drafted"].status == "active"
    response = client.post(changelist, {"action": "activate_selected",
                                        helpers.ACTION_CHECKBOX_NAME: [taiyuan["drafted"].pk], "index": 0})
    assert response.status_code == 404
    taiyuan["drafted"].refresh_from_db()
    assert taiyuan["drafted"].status == "draft"


def test_levels_are_ticked_from_the_five_levels(client, cities):
    client.force_login(cities["长治"]["reviewer"])
    html = client.get(reverse("admin:committees_committee_add")).content.decode()
    for label in ("员级", "助理级", "中级", "副高级", "正高级"):
        assert label in html
    assert 'type="checkbox" name="levels"' in html


def test_console_labels_are_chinese_for_axes_groups_and_permissions(client, cities):
    client.force_login(cities["sysadmin"])
    index = client.get(reverse("admin:index")).content.decode()
    for label in ("登录安全（失败锁定）", "登录尝试", "登录记录", "认证和授权", "组"):
        assert label in index, label
    html = client.get(reverse("admin:auth_group_add")).content.decode()
    assert "可以修改 年度评审工作方案" in html and "Can change" not in html


def test_only_the_system_admin_opens_groups_the_event_log_and_users(client, cities):
    client.force_login(cities["长治"]["reviewer"])
    for name in ("auth_group", "accounts_event", "accounts_user", "accounts_organisation", "axes_accessattempt"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name
    client.force_login(cities["sysadmin"])
    for name in ("auth_group", "accounts_event", "accounts_user", "accounts_organisation", "axes_accessattempt"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


INLINE_ROLES = {"role_memberships-TOTAL_FORMS": 0, "role_memberships-INITIAL_FORMS": 0,
                "role_memberships-MIN_NUM_FORMS": 0, "role_memberships-MAX_NUM_FORMS": 1000}


def test_the_system_admin_adds_and_edits_users_without_touching_their_numbers(client, cities):
    client.force_login(cities["sysadmin"])
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "newcomer", "password1": "Zhicheng-2026!x", "password2": "Zhicheng-2026!x",
        "usable_password": "true", **INLINE_ROLES})
    assert response.status_code == 302, response.content.decode()[:2000]
    from accounts.models import User

    newcomer = User.objects.get(username="newcomer")
    assert Event.objects.filter(action="admin_add", object_id=str(newcomer.pk)).exists()
    person = cities["长治"]["people"][Role.APPLICANT]
    numbers = (person.id_number, person.phone)
    response = client.post(reverse("admin:accounts_user_change", args=[person.pk]), {
        "username": person.username, "real_name": "改名后", "email": "", "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "08:00:00", **INLINE_ROLES})
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.real_name == "改名后" and (person.id_number, person.phone) == numbers
    assert "姓名" in Event.objects.get(action="admin_change", object_id=str(person.pk)).comment


def test_changing_a_drafts_phases_in_the_admin_writes_an_event(client, cities):
    changzhi = cities["长治"]
    plan = changzhi["draft"]
    phase = plan.phases.get(kind="filing")
    client.force_login(changzhi["reviewer"])
    phases = list(plan.phases.order_by("pk"))
    data = {"year": 2026, "name": plan.name, "organisation": plan.organisation_id, "committee": plan.committee_id,
            "series": plan.series_id, "levels": ["intermediate"], "document_number": "", "issued_on": "2026-07-01",
            "phases-TOTAL_FORMS": len(phases), "phases-INITIAL_FORMS": len(phases), "phases-MIN_NUM_FORMS": 0,
            "phases-MAX_NUM_FORMS": 1000}
    for i, p in enumerate(phases):
        data.update({f"phases-{i}-id": p.pk, f"phases-{i}-plan": plan.pk, f"phases-{i}-kind": p.kind,
                     f"phases-{i}-start": p.start.isoformat(),
                     f"phases-{i}-end": "2026-12-21" if p.pk == phase.pk else p.end.isoformat()})
    response = client.post(reverse("admin:titles_reviewplan_change", args=[plan.pk]), data)
    assert response.status_code == 302
    phase.refresh_from_db()
    assert phase.end == date(2026, 12, 21)
    assert Event.objects.filter(action="admin_change", object_id=str(plan.pk), comment__contains="方案阶段").exists()


def test_every_registered_model_admin_goes_through_the_gate():
    from accounts.admin_base import GatedAdminMixin

    ungated = [model._meta.label for model, model_admin in admin.site._registry.items()
               if not isinstance(model_admin, GatedAdminMixin)]
    assert ungated == []


def test_a_provincial_bureau_sees_its_cities_plans_but_changes_only_its_own(client, cities):
    province = OrganisationFactory(name="山西省人力资源和社会保障厅", kind=OrganisationKind.HR_BUREAU,
                                   region_code="140000")
    for city in CITIES:
        cities[city]["bureau"].parent = province
        cities[city]["bureau"].save()
    reviewer = user_with_role(Role.BUREAU_REVIEWER, province, is_staff=True)
    reviewer.groups.add(bureau_admin_group())
    client.force_login(reviewer)
    html = client.get(reverse("admin:titles_reviewplan_changelist")).content.decode()
    assert "长治工程系列" in html and "太原工程系列" in html
    draft = cities["太原"]["draft"]
    page = client.get(reverse("admin:titles_reviewplan_change", args=[draft.pk])).content.decode()
    assert 'name="name"' not in page  # read-only: the issuing city's bureau edits its draft
