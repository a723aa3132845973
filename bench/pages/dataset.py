"""The data set of the page benchmark: the demo, then N published plans with their phases, set-based.

    .venv/bin/python bench/pages/dataset.py [--plans 100000]

Uses the configured DATABASE_URL (PostgreSQL). Idempotent: when the plans are there it only reports.
Plans are inserted with one ``INSERT … SELECT generate_series`` (history rows are not written: these
plans never changed), their eight phases with one more, a few amendments with a third.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PLANS_SQL = """
INSERT INTO titles_reviewplan (year, name, organisation_id, committee_id, series_id, levels, document_number,
                               issued_on, status, published_at, document)
SELECT 2000 + g %% 27, '工程系列中级职称评审工作方案（批次 ' || lpad(g::text, 6, '0') || '）', %(org)s, %(committee)s,
       %(series)s, '["intermediate"]'::jsonb, '长人社函〔' || (2000 + g %% 27) || '〕' || g || '号',
       make_date(2000 + g %% 27, 7, 1), 'published', now(), ''
FROM generate_series(1, %(n)s) AS g
"""

PHASES_SQL = """
INSERT INTO titles_planphase (plan_id, kind, start, "end")
SELECT p.id, k.kind, make_date(p.year, k.sm, k.sd), make_date(p.year, k.em, k.ed)
FROM titles_reviewplan p
CROSS JOIN (VALUES ('declaration', 8, 1, 9, 30), ('employer_review', 10, 8, 10, 20),
                   ('department_audit', 10, 21, 10, 28), ('policy_review', 10, 29, 11, 5),
                   ('correction', 11, 2, 11, 6), ('review_meetings', 11, 10, 11, 20),
                   ('results_publicity', 11, 23, 11, 27), ('filing', 12, 1, 12, 20)) AS k(kind, sm, sd, em, ed)
WHERE p.id > %(after)s
"""

AMENDMENTS_SQL = """
INSERT INTO titles_planamendment (plan_id, number, reason, before, after, actor_id, created_at)
SELECT p.id, 1, '评审会议时间调整', '{}'::jsonb, '{}'::jsonb, %(actor)s, now()
FROM titles_reviewplan p WHERE p.id > %(after)s AND p.id %% 10 = 0
"""


def make_dataset(plans: int) -> int:
    """Make sure at least ``plans`` plans exist; return how many there are."""
    from django.db import connection, transaction

    from accounts.demo import load_demo
    from accounts.models import Role, RoleMembership
    from committees.models import Committee
    from titles.models import ReviewPlan

    load_demo()
    existing = ReviewPlan.objects.count()
    if existing >= plans:
        return existing
    demo = ReviewPlan.objects.select_related("committee").order_by("pk").first()
    # a committee of their own, so that the demo (one plan per committee and year) stays idempotent
    board, _ = Committee.objects.get_or_create(
        name="基准测试工程系列评审委员会",
        defaults={"organiser": demo.committee.organiser, "office": demo.committee.office, "series": demo.series,
                  "levels": ["intermediate"]})
    actor = RoleMembership.objects.filter(role=Role.BUREAU_REVIEWER).values_list("user_id", flat=True).first()
    after = ReviewPlan.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(PLANS_SQL, {"org": demo.organisation_id, "committee": board.pk,
                                   "series": demo.series_id, "n": plans - existing})
        cursor.execute(PHASES_SQL, {"after": after})
        cursor.execute(AMENDMENTS_SQL, {"actor": actor, "after": after})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE titles_reviewplan; ANALYZE titles_planphase; ANALYZE titles_planamendment")
    return ReviewPlan.objects.count()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    started = time.perf_counter()
    total = make_dataset(args.plans)
    print(f"数据集：{total} 个评审方案（{time.perf_counter() - started:.1f} s）")


if __name__ == "__main__":
    main()
