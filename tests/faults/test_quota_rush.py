"""Fault (issue 20): 200 concurrent ``recommend`` requests against a post quota of 10 (reviews.PostQuota),
through the HTTP API of a live gunicorn on PostgreSQL: exactly 10 succeed, the others answer 409 with
the quota rule, and the database holds exactly 10 places, states and decisions (no lost update).

Needs PostgreSQL (DATABASE_URL). ``bash bench/faults/quota_rush.sh`` runs it with more web workers.
"""

import json
import threading
import time
from collections import Counter

import pytest

from accounts.models import Event, Role
from declarations.models import Declaration, Material
from reviews.models import Decision, MaterialVerification, Recommendation
from reviews.services import set_quota
from tests.factories import user_with_role

from .servers import (
    Gunicorn,
    http,
    live_database_url,
    needs_postgresql,
    report,
    scale,
    session_cookie,
    site_env,
)

pytestmark = [pytest.mark.faults, needs_postgresql, pytest.mark.django_db(transaction=True)]

EVALUATION = json.dumps({"evaluation": {"members": 5, "for": 5, "against": 0, "abstain": 0}}).encode()


def test_concurrent_recommendations_over_http_take_exactly_the_quota(in_window, plan, org_tree, settings, tmp_path,
                                                                     private_redis, static_collected):
    requests, places = scale("QUOTA_REQUESTS", 200), scale("QUOTA_PLACES", 10)
    employer = org_tree["employer_a"]
    admin = user_with_role(Role.EMPLOYER_ADMIN, employer)
    dept = user_with_role(Role.DEPT_REVIEWER, org_tree["dept"])
    set_quota(actor=dept, plan_id=plan.pk, employer_id=employer.pk, level="intermediate", places=places)
    ids = []
    for _ in range(requests):
        applicant = user_with_role(Role.APPLICANT, employer)
        declaration = Declaration.objects.create(applicant=applicant, employer=employer, plan=plan, year=2026,
                                                 series=plan.series, level="intermediate", state="employer_review")
        material = Material.objects.create(declaration=declaration, kind="id_card", file="materials/x.pdf",
                                           display_name="x.pdf", content_type="application/pdf", size=1,
                                           sha256="0" * 64, uploaded_by=applicant)
        MaterialVerification.objects.create(material=material, verdict="true", signer=admin, signer_name="管理员",
                                            organisation=employer)
        ids.append(declaration.pk)
    cookies = [session_cookie(admin) for _ in range(8)]  # the admin signed in on several computers
    events = Event.objects.count()

    env = site_env(database_url=live_database_url(), redis_url=private_redis.start().url(),
                   SECRET_KEY=settings.SECRET_KEY, DEBUG="1", ZC_TODAY=in_window.isoformat())  # the test clock
    site = Gunicorn(env, workers=scale("QUOTA_WEB_WORKERS", 4), log_dir=tmp_path).start()
    answers: dict[int, tuple[int, dict, float]] = {}
    barrier = threading.Barrier(requests)
    try:
        def recommend(n, pk):
            barrier.wait()
            began = time.monotonic()
            status, _, body = http(site.url, "POST", f"/api/v1/declarations/{pk}/actions/recommend/",
                                   cookie=cookies[n % len(cookies)], body=EVALUATION, timeout=300)
            answers[pk] = (status, json.loads(body), time.monotonic() - began)

        threads = [threading.Thread(target=recommend, args=(n, pk)) for n, pk in enumerate(ids)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        elapsed = time.monotonic() - started
    finally:
        site.stop()

    statuses = Counter(status for status, _, _ in answers.values())
    assert statuses == {200: places, 409: requests - places}, (statuses, site.log_tail())
    refusals = [body for status, body, _ in answers.values() if status == 409]
    assert all(body["rule"] == "QUOTA" and f"推荐名额 {places} 个已用完" in body["detail"] for body in refusals)
    accepted = [pk for pk, (status, _, _) in answers.items() if status == 200]
    assert all(answers[pk][1]["state"] == "unit_publicity" for pk in accepted)
    # the database agrees with the answers: no lost update, no place taken twice, nothing half-saved
    assert set(Declaration.objects.filter(state="unit_publicity").values_list("pk", flat=True)) == set(accepted)
    assert Declaration.objects.filter(pk__in=ids, state="employer_review").count() == requests - places
    assert Recommendation.objects.filter(holds_place=True).count() == places
    assert Recommendation.objects.count() == places
    assert Decision.objects.filter(action="recommend").count() == places
    assert Event.objects.count() - events == places
    latencies = sorted(seconds for _, _, seconds in answers.values())
    report("quota_rush", [
        f"gunicorn {site.workers} sync workers on PostgreSQL; {requests} concurrent POST "
        f".../actions/recommend/ (one thread each, released together) against a quota of {places}",
        f"answers: {dict(statuses)} in {elapsed:.1f} s ({requests / elapsed:.0f} req/s); latency p50 "
        f"{latencies[len(latencies) // 2] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms",
        f"database: {places} in 单位推荐公示, {places} places held, {places} decisions and events; "
        f"{requests - places} still in 单位审核 with nothing written",
    ])
