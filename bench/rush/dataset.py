"""The rush benchmark's data set, built set-based (``INSERT … SELECT generate_series``, no ORM per row).

    .venv/bin/python bench/rush/dataset.py [--declarations 500000] [--years 5] [--drafts 6000]

On the configured DATABASE_URL (PostgreSQL), after ``migrate`` and the demo:
- 200 bench employers (150 under the demo's competent department, 50 directly under the bureau),
  next to the demo's 长治市建筑设计研究院, which takes its share too (the demo handler's queue);
- one published plan a year for the current year and the ``--years`` − 1 before it (default 5 years; a bench
  committee of its own); the current year's declaration window runs around today, so that drafts may really
  be submitted by a production server (no ZC_TODAY);
- ``--declarations`` declarations (default 500,000) of ``declarations / years`` applicants, one a year,
  in final states for past years and spread over every review state this year, each with two
  materials' metadata pointing at one tiny shared file (a unique checksum each);
- ``--certificates`` issued certificates (default 5,000) for approved declarations of past years, numbered
  and given verification codes as ``certificates.services`` makes them (alphabet and length of
  ``certificates.models``), with their numbering counters, for the public verification figure;
- ``--drafts`` fresh applicants a run, each with the demo applicant's profile (education, work,
  titles, assessments, continuing education) and a complete draft in this year's plan, ready to
  submit: the submit load uses each exactly once. They are made anew at every run (``prepare_drafts``).

Idempotent: the declarations are made once (``run.sh --rebuild`` drops the database and starts again).
History rows and events are not written for these rows (nor for the certificates): they never changed, and the event log's hash
chain is left whole.
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

EMPLOYERS = 200
BENCH_PREFIX = "rush_"  # usernames of bench applicants; bench employers are named 基准单位…
COMMITTEE_NAME = "抢报基准工程系列评审委员会"

EMPLOYERS_SQL = """
INSERT INTO accounts_organisation (name, kind, parent_id, region_code, sector, credit_code, is_active, created_at)
SELECT '基准单位' || lpad(g::text, 4, '0'), 'employer', CASE WHEN g <= 150 THEN %(dept)s ELSE %(bureau)s END,
       '140400', CASE WHEN g %% 4 = 0 THEN 'non_public' ELSE 'public' END, '', true, now()
FROM generate_series(1, %(n)s) AS g
"""

APPLICANTS_SQL = """
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, real_name, phone, id_number, must_change_password)
SELECT %(password)s, false, %(prefix)s || g, '', '', '', false, true, now(), '申报人' || g, '', '', false
FROM generate_series(%(first)s, %(last)s) AS g
"""

MEMBERSHIPS_SQL = """
INSERT INTO accounts_rolemembership (role, granted_at, organisation_id, user_id)
SELECT 'applicant', now(), e.ids[1 + (u.id %% array_length(e.ids, 1))], u.id
FROM accounts_user u, (SELECT %(employers)s::bigint[] AS ids) e
WHERE u.username LIKE %(pattern)s AND NOT EXISTS (SELECT 1 FROM accounts_rolemembership m WHERE m.user_id = u.id)
"""

# past years end in a final state; this year's declarations stand at every step of the review
STATES_SQL = """
CREATE TEMP TABLE rush_states (year_offset int, state text, weight int) ON COMMIT DROP;
INSERT INTO rush_states VALUES
  (1, 'approved', 50), (1, 'not_passed', 20), (1, 'rejected', 10), (1, 'not_recommended', 10),
  (1, 'withdrawn', 5), (1, 'abandoned', 3), (1, 'terminated', 2),
  (0, 'draft', 15), (0, 'employer_review', 25), (0, 'unit_publicity', 10), (0, 'department_review', 10),
  (0, 'bureau_review', 15), (0, 'returned', 5), (0, 'committee_review', 10), (0, 'results_publicity', 5),
  (0, 'withdrawn', 5);
"""

DECLARATIONS_SQL = """
WITH weighted AS (
  SELECT year_offset, state,
         sum(weight) OVER (PARTITION BY year_offset ORDER BY state) - weight AS lo,
         sum(weight) OVER (PARTITION BY year_offset ORDER BY state) AS hi
  FROM rush_states
), applicants AS (
  SELECT u.id AS user_id, m.organisation_id AS employer_id, row_number() OVER (ORDER BY u.id) AS n
  FROM accounts_user u JOIN accounts_rolemembership m ON m.user_id = u.id AND m.role = 'applicant'
  WHERE u.username LIKE %(pattern)s
    AND NOT EXISTS (SELECT 1 FROM declarations_declaration d WHERE d.applicant_id = u.id)
)
INSERT INTO declarations_declaration (year, level, route, green_channel_reference, state, version, created_at,
                                      updated_at, submitted_at, applicant_id, employer_id, plan_id, series_id,
                                      specialty_id)
SELECT p.year, 'intermediate', 'regular', '', w.state, CASE WHEN w.state = 'draft' THEN 0 ELSE 1 END,
       make_timestamptz(p.year, 7, 1, 8, 0, 0, 'Asia/Shanghai'), now(),
       CASE WHEN w.state = 'draft' THEN NULL
            ELSE make_timestamptz(p.year, 8, 1, 8, 0, 0, 'Asia/Shanghai')
                 + ((a.n * 7919 + p.year) %% 5000000) * interval '1 second' END,
       a.user_id, a.employer_id, p.id, p.series_id, %(specialty)s
FROM applicants a
CROSS JOIN (SELECT id, year, series_id FROM titles_reviewplan WHERE committee_id = %(committee)s) p
JOIN weighted w ON w.year_offset = CASE WHEN p.year = %(this_year)s THEN 0 ELSE 1 END
               AND (a.n * 31 + p.year * 17) %% 100 >= w.lo AND (a.n * 31 + p.year * 17) %% 100 < w.hi
"""

MATERIALS_SQL = """
INSERT INTO declarations_material (kind, file, display_name, content_type, size, sha256, uploaded_at, declaration_id,
                                   uploaded_by_id)
SELECT k.kind, %(file)s, k.label, 'application/pdf', %(size)s,
       encode(sha256(convert_to(d.id::text || k.kind, 'UTF8')), 'hex'), d.created_at, d.id, d.applicant_id
FROM declarations_declaration d
CROSS JOIN (VALUES ('id_card', '居民身份证.pdf'), ('education', '学历（学位）证书.pdf')) AS k(kind, label)
WHERE d.id > %(after)s
"""

# the drafts of one run: the demo applicant's profile and materials, copied to each new applicant
PROFILES_SQL = """
INSERT INTO declarations_profile (in_service, career_start, post_name, post_since, grassroots_since,
                                  county_health_edu_agri, township_service_years, updated_at, post_series_id,
                                  user_id)
SELECT p.in_service, p.career_start, p.post_name, p.post_since, p.grassroots_since, p.county_health_edu_agri,
       p.township_service_years, now(), p.post_series_id, u.id
FROM declarations_profile p, accounts_user u
WHERE p.user_id = %(model)s AND u.username LIKE %(pattern)s
"""

PROFILE_ROWS_SQL = """
INSERT INTO declarations_education (degree, school, major, obtained, full_time, related_to_specialty, profile_id)
SELECT e.degree, e.school, e.major, e.obtained, e.full_time, e.related_to_specialty, n.id
FROM declarations_education e JOIN declarations_profile m ON m.id = e.profile_id AND m.user_id = %(model)s,
     declarations_profile n JOIN accounts_user u ON u.id = n.user_id AND u.username LIKE %(pattern)s;
INSERT INTO declarations_workperiod (employer_name, post, start, "end", profile_id)
SELECT e.employer_name, e.post, e.start, e."end", n.id
FROM declarations_workperiod e JOIN declarations_profile m ON m.id = e.profile_id AND m.user_id = %(model)s,
     declarations_profile n JOIN accounts_user u ON u.id = n.user_id AND u.username LIKE %(pattern)s;
INSERT INTO declarations_heldtitle (specialty, level, obtained, committee, directed, profile_id, series_id)
SELECT e.specialty, e.level, e.obtained, e.committee, e.directed, n.id, e.series_id
FROM declarations_heldtitle e JOIN declarations_profile m ON m.id = e.profile_id AND m.user_id = %(model)s,
     declarations_profile n JOIN accounts_user u ON u.id = n.user_id AND u.username LIKE %(pattern)s;
INSERT INTO declarations_assessment (year, rating, profile_id)
SELECT e.year, e.rating, n.id
FROM declarations_assessment e JOIN declarations_profile m ON m.id = e.profile_id AND m.user_id = %(model)s,
     declarations_profile n JOIN accounts_user u ON u.id = n.user_id AND u.username LIKE %(pattern)s;
INSERT INTO declarations_continuingeducation (year, total, professional, profile_id)
SELECT e.year, e.total, e.professional, n.id
FROM declarations_continuingeducation e JOIN declarations_profile m ON m.id = e.profile_id AND m.user_id = %(model)s,
     declarations_profile n JOIN accounts_user u ON u.id = n.user_id AND u.username LIKE %(pattern)s;
"""

DRAFTS_SQL = """
INSERT INTO declarations_declaration (year, level, route, green_channel_reference, state, version, created_at,
                                      updated_at, applicant_id, employer_id, plan_id, series_id, specialty_id)
SELECT p.year, 'intermediate', 'regular', '', 'draft', 0, now(), now(), u.id, m.organisation_id, p.id, p.series_id,
       %(specialty)s
FROM accounts_user u JOIN accounts_rolemembership m ON m.user_id = u.id AND m.role = 'applicant',
     titles_reviewplan p
WHERE u.username LIKE %(pattern)s AND p.id = %(plan)s
"""

DRAFT_MATERIALS_SQL = """
INSERT INTO declarations_material (kind, file, display_name, content_type, size, sha256, uploaded_at, declaration_id,
                                   uploaded_by_id)
SELECT t.kind, t.file, t.display_name, t.content_type, t.size,
       encode(sha256(convert_to(d.id::text || t.kind, 'UTF8')), 'hex'), now(), d.id, d.applicant_id
FROM declarations_material t, declarations_declaration d JOIN accounts_user u ON u.id = d.applicant_id
WHERE t.declaration_id = %(model)s AND u.username LIKE %(pattern)s AND d.state = 'draft'
"""


# issued certificates of approved bench declarations: numbered per year (gap-free from the counter's last),
# each code 8 characters of the verification alphabet drawn from a hash of the declaration's id
CERTIFICATES_SQL = """
WITH picked AS (
  SELECT d.id, d.year, d.applicant_id, d.employer_id FROM declarations_declaration d
  WHERE d.plan_id = ANY(%(plans)s) AND d.year < %(this_year)s AND d.state = 'approved'
    AND NOT EXISTS (SELECT 1 FROM certificates_certificate c WHERE c.declaration_id = d.id)
  ORDER BY d.id LIMIT %(n)s
), numbered AS (
  SELECT p.*, row_number() OVER (PARTITION BY p.year ORDER BY p.id) + coalesce(k.last, 0) AS seq
  FROM picked p LEFT JOIN certificates_certificatecounter k
    ON k.year = p.year AND k.region_code = %(region)s AND k.committee_code = %(code)s
)
INSERT INTO certificates_certificate (number, verification_code, origin, holder_name, holder_id_masked, series_name,
                                      specialty_name, level, title_name, committee_name, approval_document,
                                      approved_on, scope, year, region_code, committee_code, sequence, issued_at, pdf,
                                      sha256, status, revocation_reason, revocation_text, revocation_basis,
                                      committee_id, declaration_id, employer_id, holder_id)
SELECT n.year || '-' || %(region)s || '-' || %(code)s || '-' || lpad(n.seq::text, 6, '0'),
       (SELECT string_agg(substr(%(alphabet)s, 1 + get_byte(sha256(convert_to(n.id::text || 'verify', 'UTF8')), i)
                                 %% length(%(alphabet)s), 1), '' ORDER BY i)
        FROM generate_series(0, %(length)s - 1) AS i),
       'issued', coalesce(nullif(u.real_name, ''), u.username), '', %(series)s, %(specialty)s, 'intermediate',
       %(title)s, %(committee_name)s, '长人社职字〔' || n.year || '〕900号', make_date(n.year, 12, 20), '', n.year,
       %(region)s, %(code)s, n.seq, make_timestamptz(n.year, 12, 25, 9, 0, 0, 'Asia/Shanghai'), '', '', 'valid',
       '', '', '', %(committee)s, n.id, n.employer_id, n.applicant_id
FROM numbered n JOIN accounts_user u ON u.id = n.applicant_id
"""

COUNTERS_SQL = """
INSERT INTO certificates_certificatecounter (year, region_code, committee_code, last)
SELECT year, region_code, committee_code, max(sequence) FROM certificates_certificate
WHERE origin = 'issued' AND region_code = %(region)s AND committee_code = %(code)s GROUP BY 1, 2, 3
ON CONFLICT (year, region_code, committee_code) DO UPDATE SET last = GREATEST(certificates_certificatecounter.last,
                                                                               EXCLUDED.last)
"""


def log(message):
    print(f"[bench/rush {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)  # UTC, as run.py


def _demo():
    from accounts.demo import load_demo
    from accounts.models import Organisation, OrganisationKind, User
    from declarations.models import Declaration

    load_demo()
    model = User.objects.get(username="applicant")
    draft = Declaration.objects.get(applicant=model, state="draft")
    bureau = Organisation.objects.get(kind=OrganisationKind.HR_BUREAU, name="长治市人力资源和社会保障局")
    dept = Organisation.objects.get(kind=OrganisationKind.COMPETENT_DEPARTMENT, parent=bureau)
    return model, draft, bureau, dept


def _declaration_window(today: date) -> tuple[date, date]:
    """This year's declaration phase: open from 30 days ago (or 1 January) to 20 days on (or 31 December)."""
    start = max(date(today.year, 1, 1), today - timedelta(days=30))
    end = min(date(today.year, 12, 31), today + timedelta(days=20))
    return start, end


def ensure_plans(draft, years: int = 5) -> tuple[dict[int, int], int]:
    """One published plan a year (this year and the ``years`` − 1 before) in a bench committee:
    ({year: plan id}, the committee's id)."""
    from django.utils import timezone

    from committees.models import Committee
    from config.clock import today
    from titles.models import PlanPhase, ReviewPlan

    demo_plan = draft.plan
    board, _ = Committee.objects.get_or_create(
        name=COMMITTEE_NAME,
        defaults={"organiser": demo_plan.committee.organiser, "office": demo_plan.committee.office,
                  "series": demo_plan.series, "levels": ["intermediate"]})
    this_year = today().year
    plans = {}
    for year in range(this_year - years + 1, this_year + 1):
        plan = ReviewPlan.objects.filter(committee=board, year=year).first()
        if plan is None:
            plan = ReviewPlan.objects.create(
                year=year, name=f"{year} 年度工程系列中级职称评审工作方案（抢报基准）", organisation=demo_plan.organisation,
                committee=board, series=demo_plan.series, levels=["intermediate"],
                document_number=f"长人社函〔{year}〕900号", issued_on=date(year, 1, 5),
                status=ReviewPlan.Status.PUBLISHED, published_at=timezone.now())
            plan.specialties.set(demo_plan.specialties.all())
        start, end = (_declaration_window(today()) if year == this_year
                      else (date(year, 8, 1), date(year, 9, 30)))
        PlanPhase.objects.update_or_create(plan=plan, kind="declaration", defaults={"start": start, "end": end})
        plans[year] = plan.pk
    return plans, board.pk


def _run(cursor, sql, params=None):
    started = time.perf_counter()
    cursor.execute(sql, params or {})
    return cursor.rowcount, time.perf_counter() - started


def build(declarations: int, years: int = 5) -> dict:
    """Make sure the bench declarations exist; return facts for the run (plans, employers, counts)."""
    from django.db import connection, transaction

    from accounts.models import Organisation, User
    from declarations.models import Declaration

    model, draft, bureau, dept = _demo()
    plans, committee = ensure_plans(draft, years)
    this_year = max(plans)
    existing = Declaration.objects.filter(applicant__username__startswith=BENCH_PREFIX + "a").count()
    employers = list(Organisation.objects.filter(name__startswith="基准单位").values_list("pk", flat=True))
    applicants = declarations // len(plans)
    if existing < applicants * len(plans) * 0.9:
        started = time.perf_counter()
        template = model.declarations.get(state="draft").materials.order_by("pk").first()
        with transaction.atomic(), connection.cursor() as cursor:
            if not employers:
                _run(cursor, EMPLOYERS_SQL, {"dept": dept.pk, "bureau": bureau.pk, "n": EMPLOYERS})
                employers = list(Organisation.objects.filter(name__startswith="基准单位").values_list("pk", flat=True))
            employers_all = [draft.employer_id, *employers]
            have = User.objects.filter(username__startswith=BENCH_PREFIX + "a").count()
            n, t = _run(cursor, APPLICANTS_SQL, {"password": model.password, "prefix": BENCH_PREFIX + "a",
                                                  "first": have + 1, "last": applicants})
            log(f"{n:,} applicants in {t:.1f} s")
            _run(cursor, MEMBERSHIPS_SQL, {"employers": employers_all, "pattern": BENCH_PREFIX + "a%"})
            _run(cursor, STATES_SQL)
            after = Declaration.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            n, t = _run(cursor, DECLARATIONS_SQL, {"pattern": BENCH_PREFIX + "a%", "committee": committee, "this_year": this_year,
                                                    "specialty": draft.specialty_id})
            log(f"{n:,} declarations in {t:.1f} s")
            n, t = _run(cursor, MATERIALS_SQL, {"file": template.file.name, "size": template.size, "after": after})
            log(f"{n:,} materials in {t:.1f} s")
        with connection.cursor() as cursor:
            for table in ("accounts_user", "accounts_rolemembership", "declarations_declaration",
                          "declarations_material", "accounts_organisation"):
                cursor.execute(f"VACUUM ANALYZE {table}")  # index-only scans need the visibility map
        log(f"data set made in {time.perf_counter() - started:.0f} s")
    return {"plans": plans, "this_year": this_year, "committee": committee,
            "declarations": Declaration.objects.count(), "employer": draft.employer_id}


def ensure_certificates(count: int, plans: dict[int, int], committee_id: int) -> int:
    """``count`` issued certificates for approved declarations of the bench plans' past years (made once);
    returns how many the bench committee has."""
    from django.db import connection, transaction

    from certificates.models import VERIFICATION_ALPHABET, VERIFICATION_CODE_LENGTH, Certificate
    from certificates.services import _title_name, committee_code
    from committees.models import Committee
    from declarations.models import Declaration

    have = Certificate.objects.filter(committee_id=committee_id).count()
    if have >= count:
        return have
    sample = (Declaration.objects.filter(plan_id__in=plans.values(), state="approved")
              .select_related("series", "specialty", "plan__organisation").first())
    if sample is None:
        return have
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        params = {"plans": list(plans.values()), "this_year": max(plans), "n": count - have,
                  "region": sample.plan.organisation.region_code, "code": committee_code(committee_id),
                  "alphabet": VERIFICATION_ALPHABET, "length": VERIFICATION_CODE_LENGTH,
                  "series": sample.series.name, "specialty": sample.specialty.name if sample.specialty else "",
                  "title": _title_name(sample), "committee_name": Committee.objects.get(pk=committee_id).name,
                  "committee": committee_id}
        n, t = _run(cursor, CERTIFICATES_SQL, params)
        _run(cursor, COUNTERS_SQL, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE certificates_certificate")
    log(f"{n:,} certificates in {time.perf_counter() - started:.1f} s")
    return have + n


def write_verification_paths(out: Path, committee_id: int, n: int = 1000) -> None:
    """verify.txt: the public verification links (the certificates' QR codes) of ``n`` bench certificates."""
    from django.urls import reverse

    from certificates.models import Certificate

    rows = (Certificate.objects.filter(committee_id=committee_id).order_by("pk")
            .values_list("number", "verification_code")[:n])
    (out / "verify.txt").write_text("".join(f"{reverse('certificates:verify-link', args=row)}\n" for row in rows))


def prepare_drafts(count: int, run_tag: str) -> list[int]:
    """``count`` new applicants, each with the demo applicant's profile and a complete draft in this year's
    bench plan; return the drafts' ids. Usernames ``rush_s<run_tag>_<n>``."""
    from django.db import connection, transaction

    from accounts.models import Organisation
    from declarations.models import Declaration

    model, draft, _bureau, _dept = _demo()
    plans, _committee = ensure_plans(draft)
    prefix = f"{BENCH_PREFIX}s{run_tag}_"
    pattern = prefix + "%"
    employers = [draft.employer_id, *Organisation.objects.filter(name__startswith="基准单位")
                 .values_list("pk", flat=True)]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _run(cursor, APPLICANTS_SQL, {"password": model.password, "prefix": prefix, "first": 1, "last": count})
        _run(cursor, MEMBERSHIPS_SQL, {"employers": employers, "pattern": pattern})
        _run(cursor, PROFILES_SQL, {"model": model.pk, "pattern": pattern})
        _run(cursor, PROFILE_ROWS_SQL, {"model": model.pk, "pattern": pattern})
        _run(cursor, DRAFTS_SQL, {"pattern": pattern, "plan": plans[max(plans)], "specialty": draft.specialty_id})
        _run(cursor, DRAFT_MATERIALS_SQL, {"model": draft.pk, "pattern": pattern})
    ids = list(Declaration.objects.filter(applicant__username__startswith=prefix, state="draft")
               .order_by("pk").values_list("pk", flat=True))
    log(f"{len(ids):,} drafts ready to submit in {time.perf_counter() - started:.1f} s")
    return ids


def _session(user, **extra) -> tuple[str, str]:
    """A signed-in session for ``user`` as Django's login writes it: (session key, encoded data)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(), **extra}
    return get_random_string(32), SessionStore().encode(data)


def write_sessions(out: Path, draft_ids: list[int], employer_id: int, first_views: int = 0) -> None:
    """Sessions for the load, written where the sign-in writes them: COPY into django_session and, with a
    session engine that keeps them in the cache too (``cached_db``: Django's ``login`` saves to both), into the
    cache (a submit in the rush comes after its applicant signed in); each written out as the cookies the sign-in
    sets (``sessionid=…;zc_user=…``: the session and the user hint, ``accounts.middleware``, which a browser sends
    back on every request):
    drafts.txt (``declaration_id cookies`` a line, one applicant each), staff.txt (the demo handler's and
    the bureau reviewer's session keys; the bureau's with its TOTP device verified), detail.txt (ids of
    submitted declarations of the handler's unit) and, with ``first_views``, first.txt (that many ids of submitted
    declarations of other units, at random)."""
    import time as clock
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import LAST_ACTIVITY_KEY
    from accounts.models import Role, RoleMembership, User
    from declarations.models import Declaration

    rows = []
    drafts = Declaration.objects.filter(pk__in=draft_ids).select_related("applicant").order_by("pk")
    lines = []
    for declaration in drafts:
        key, data = _session(declaration.applicant)
        rows.append((key, data))
        lines.append(f"{declaration.pk} {_cookies(key, declaration.applicant_id)}")
    (out / "drafts.txt").write_text("\n".join(lines) + "\n")
    handler = RoleMembership.objects.get(role=Role.EMPLOYER_HANDLER, organisation_id=employer_id,
                                         user__username="handler").user
    bureau = User.objects.get(username="bureau")
    device, _ = TOTPDevice.objects.get_or_create(user=bureau, name="bench", defaults={"confirmed": True})
    now = int(clock.time())
    staff = {
        "handler": _session(handler, **{LAST_ACTIVITY_KEY: now}),
        "bureau": _session(bureau, **{LAST_ACTIVITY_KEY: now,
                                      "otp_device_id": device.persistent_id}),
    }
    rows += staff.values()
    users = {"handler": handler.pk, "bureau": bureau.pk}
    (out / "staff.txt").write_text("".join(f"{name} {_cookies(key, users[name])}\n" for name, (key, _) in staff.items()))
    ids = (Declaration.objects.filter(employer_id=employer_id).exclude(state="draft")
           .values_list("pk", flat=True).order_by("pk"))
    (out / "detail.txt").write_text("\n".join(str(pk) for pk in ids) + "\n")
    if first_views:  # declarations the bureau's reviewer has not viewed: each a page made at its first view
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM declarations_declaration WHERE state <> 'draft' AND employer_id <> %s "
                           "ORDER BY random() LIMIT %s", [employer_id, first_views])
            (out / "first.txt").write_text("".join(f"{pk}\n" for (pk,) in cursor.fetchall()))
    expire = timezone.now() + timedelta(days=1)
    with connection.cursor() as cursor, cursor.copy("COPY django_session (session_key, session_data, expire_date) "
                                                   "FROM STDIN") as copy:
        for key, data in rows:
            copy.write_row((key, data, expire))
    _cache_sessions(rows, expire)
    _as_after_a_page([declaration.applicant for declaration in drafts])


def _as_after_a_page(users) -> None:
    """What the shared cache holds for a user once they were shown a page after signing in (the submit button is
    on the draft's page): their row, roles and unread count, each computed and stored by the code the middleware
    and the header run (``accounts.request_cache``)."""
    from django.contrib.auth.backends import ModelBackend

    from accounts import request_cache
    from accounts.middleware import _backend_user
    from accounts.notifications import unread_count

    if not request_cache.enabled():
        return
    backend = ModelBackend()
    for applicant in users:
        user = request_cache.load_user(applicant.pk, lambda pk=applicant.pk: _backend_user(backend, pk))
        user.memberships()
        unread_count(user)


def _cookies(session_key: str, user_id: int) -> str:
    """The cookies a signed-in browser sends (CSRF's aside), as one Cookie header's fragment without spaces."""
    from accounts.middleware import USER_HINT_COOKIE, user_hint

    return f"sessionid={session_key};{USER_HINT_COOKIE}={user_hint(session_key, user_id)}"


def _cache_sessions(rows, expire) -> None:
    """``rows`` (session key, encoded data) in the sessions' cache, as ``cached_db``'s ``save`` puts them there."""
    from importlib import import_module

    from django.conf import settings
    from django.core.cache import caches
    from django.utils import timezone

    store = import_module(settings.SESSION_ENGINE).SessionStore
    prefix = getattr(store, "cache_key_prefix", None)
    if prefix is None:  # sessions in the database only
        return
    age = int((expire - timezone.now()).total_seconds())
    caches[settings.SESSION_CACHE_ALIAS].set_many({prefix + key: store().decode(data) for key, data in rows},
                                                   timeout=age)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=500_000)
    parser.add_argument("--years", type=int, default=5, help="one plan a year: this year and the ones before")
    parser.add_argument("--drafts", type=int, default=0)
    parser.add_argument("--certificates", type=int, default=5000)
    parser.add_argument("--first-views", type=int, default=0, help="write first.txt: this many declarations' ids")
    parser.add_argument("--out", type=Path, help="write drafts.txt, staff.txt, detail.txt (sessions), first.txt here")
    args = parser.parse_args()

    import django

    django.setup()
    facts = build(args.declarations, args.years)
    certificates = ensure_certificates(args.certificates, facts["plans"], facts["committee"])
    print(f"数据集：{facts['declarations']:,} 件申报，{certificates:,} 张证书")
    if args.out:
        write_verification_paths(args.out, facts["committee"])
    if args.drafts:
        ids = prepare_drafts(args.drafts, time.strftime("%Y%m%d%H%M%S"))
        from django.db import connection

        with connection.cursor() as cursor:  # as autovacuum would after a day of submissions
            cursor.execute("VACUUM ANALYZE declarations_declaration")
        if args.out:
            write_sessions(args.out, ids, facts["employer"], args.first_views)


if __name__ == "__main__":
    main()
