"""Debts from the outside review that a user (or the next developer) would notice."""

import ast
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Event, Role
from tests.factories import review_plan, user_with_role
from titles.models import ReviewPlan, Series, Specialty, WorkingDaySchedule
from titles.services import PlanError, amend_plan, publish_plan, store_schedule

TITLES = Path(__file__).resolve().parents[2] / "titles"


def _imports(path: Path) -> set[str]:
    """titles modules a module imports, at any depth of the file (functions included)."""
    module = ".".join(path.relative_to(TITLES.parent).with_suffix("").parts).removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rsplit(".", 1)[0]
            target = node.module or "" if node.level == 0 else ".".join(filter(None, [base, node.module]))
            if node.level == 0 and not target.startswith("titles"):
                continue
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("titles"))
    return found


def test_no_import_circles_in_titles():
    files = [p for p in TITLES.rglob("*.py") if "migrations" not in p.parts]
    names = {".".join(p.relative_to(TITLES.parent).with_suffix("").parts).removesuffix(".__init__"): p
             for p in files}
    graph = {name: {t for t in _imports(path) if t in names and t != name} for name, path in names.items()}
    # a package imports its own modules; that is how packages work, not a circle
    graph = {name: {t for t in targets if not t.startswith(name + ".")} for name, targets in graph.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_working_day_calendar_module_does_not_touch_the_database():
    assert not {t for t in _imports(TITLES / "workdays.py")} & {"titles.models", "titles.selectors"}
    assert "django" not in (TITLES / "workdays.py").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_specialty_names_in_a_list_cost_one_query(django_assert_num_queries):
    series = Series.objects.create(name="测试系列")
    for n in range(6):
        Specialty.objects.create(series=series, name=f"专业{n}")
    with django_assert_num_queries(1):
        names = [str(s) for s in Specialty.objects.filter(series=series)]
    assert names[0] == "测试系列 · 专业0" and len(names) == 6


@pytest.mark.django_db
def test_admin_plan_form_lists_specialties_without_a_query_each(admin_client, org_tree,
                                                                django_assert_max_num_queries):
    plan = review_plan(org_tree["bureau"])
    with django_assert_max_num_queries(40) as few:
        admin_client.get(f"/admin/titles/reviewplan/{plan.pk}/change/")
    series = Series.objects.create(name="多专业系列")
    Specialty.objects.bulk_create(Specialty(series=series, name=f"专业{n}") for n in range(30))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(f"/admin/titles/reviewplan/{plan.pk}/change/")
    assert "多专业系列 · 专业29" in response.content.decode()


@pytest.mark.django_db
def test_event_text_shows_beijing_time(org_tree):
    user = user_with_role(Role.APPLICANT, org_tree["employer_a"], real_name="张三")
    event = Event(actor=user, action="sign", object_repr="某对象",
                  created_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC))
    assert str(event) == "2026-03-02 01:30 张三 sign 某对象"


@pytest.mark.django_db
def test_one_permission_decides_whether_a_plan_may_be_published(client, org_tree):
    bureau_user = user_with_role(Role.BUREAU_REVIEWER, org_tree["bureau"])
    plan = review_plan(org_tree["bureau"])
    client.force_login(bureau_user)
    assert bureau_user.has_perm("titles.publish_plan", plan)
    assert not bureau_user.has_perm("titles.amend_plan", plan)
    assert "发布方案</button>" in client.get(f"/titles/plans/{plan.pk}/").content.decode()
    publish_plan(actor=bureau_user, plan_id=plan.pk)
    plan = ReviewPlan.objects.get(pk=plan.pk)
    bureau_user = type(bureau_user).objects.get(pk=bureau_user.pk)
    assert not bureau_user.has_perm("titles.publish_plan", plan)
    assert bureau_user.has_perm("titles.amend_plan", plan)
    assert "发布方案</button>" not in client.get(f"/titles/plans/{plan.pk}/").content.decode()
    with pytest.raises(PlanError, match="该方案已发布"):
        publish_plan(actor=bureau_user, plan_id=plan.pk)
    draft = review_plan(org_tree["bureau"], name="另一方案")
    with pytest.raises(PlanError, match="草稿方案可直接编辑"):
        amend_plan(actor=bureau_user, plan_id=draft.pk, reason="试图修订草稿", phases={})


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent sessions need PostgreSQL")
def test_two_bureaus_storing_a_new_year_at_once_both_succeed(org_tree):
    user = user_with_role(Role.SYSTEM_ADMIN, org_tree["bureau"])
    years, failures = range(2031, 2039), []

    def store(year, holiday, barrier):
        try:
            barrier.wait(timeout=10)
            store_schedule(actor=user, year=year, holidays=[holiday], workdays=[], reason="并发录入")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            connection.close()

    for year in years:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=store, args=(year, f"{year}-01-0{day}", barrier)) for day in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    for year in years:
        entry = WorkingDaySchedule.objects.get(year=year)
        assert entry.holidays in ([f"{year}-01-01"], [f"{year}-01-02"])
        assert entry.history.count() == 2  # both entries are on the record
    assert Event.objects.filter(action="store_holiday_schedule").count() == 2 * len(years)
