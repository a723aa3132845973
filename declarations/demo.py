"""Demo data for the declaration flow: profiles, and declarations spread across the review chain so
that every demo user's queue has work in it.

The demo plan's declaration window is 2026-08-01 … 2026-09-30. The declarations are made through
the services as of 2026-09-15 (``config.clock.frozen``); ``make demo`` runs the site with
``ZC_TODAY=2026-09-22``, a day inside the window after the unit 公示 of the recommended ones ended.
"""

import hashlib
from datetime import date

from django.core.files.base import ContentFile

from accounts.models import Role, RoleMembership, User
from accounts.validators import id_number_check_code
from config.clock import frozen
from titles.models import ReviewPlan

from .flow import State
from .models import (
    Assessment,
    ContinuingEducation,
    Declaration,
    Education,
    HeldTitle,
    Material,
    Profile,
    WorkPeriod,
)
from .selectors import kinds_for

DEMO_DAY = date(2026, 9, 15)
EVALUATION = {"members": 11, "for": 9, "against": 1, "abstain": 1}
# username, real name, id body, phone, how far along the chain
APPLICANTS = [
    ("applicant_c", "王芳", "14040219910412023", "13800000011", "employer_review"),
    ("applicant_d", "赵磊", "14040219890623034", "13800000012", "returned"),
    ("applicant_e", "钱敏", "14040219930815045", "13800000013", "unit_publicity"),
    ("applicant_f", "孙强", "14040219880101056", "13800000014", "department_review"),
    ("applicant_g", "周丽", "14040219920220067", "13800000015", "bureau_review"),
    ("applicant_h", "吴昊", "14040219870505078", "13800000016", "committee_review"),
    ("applicant_i", "郑洁", "14040219900909089", "13800000017", "committee_review"),
]


def demo_pdf(title: str) -> bytes:
    """A small valid one-page PDF (no scripts, no attachments) standing for a scanned material."""
    text = title.encode("ascii", "replace").decode()
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _profile(user, series, employer_name, *, career_start=date(2015, 7, 1), titled=date(2018, 12, 20)):
    profile, created = Profile.objects.get_or_create(
        user=user, defaults={"in_service": True, "career_start": career_start, "post_series": series,
                             "post_name": "工程师", "post_since": career_start})
    if not created:
        return profile
    Education.objects.create(profile=profile, degree="bachelor", school="太原理工大学", major="土木工程",
                             obtained=date(career_start.year, 6, 30), full_time=True, related_to_specialty=True)
    WorkPeriod.objects.create(profile=profile, employer_name=employer_name, post="工程师", start=career_start)
    HeldTitle.objects.create(profile=profile, series=series, specialty="土木工程", level="assistant",
                             obtained=titled, committee="长治市工程系列初级职称评审委员会")
    for year, rating in ((2023, "qualified"), (2024, "excellent"), (2025, "qualified")):
        Assessment.objects.create(profile=profile, year=year, rating=rating)
    for year, total, professional in ((2023, 96, 70), (2024, 90, 60), (2025, 92, 64)):
        ContinuingEducation.objects.create(profile=profile, year=year, total=total, professional=professional)
    return profile


def _attach_materials(declaration) -> None:
    for kind in kinds_for(declaration):
        if not kind.required or declaration.materials.filter(kind=kind.code).exists():
            continue
        content = demo_pdf(f"{kind.code} {declaration.applicant.username}")
        material = Material(declaration=declaration, kind=kind.code, display_name=f"{kind.label}.pdf",
                            content_type="application/pdf", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by=declaration.applicant)
        material.file.save("demo.pdf", ContentFile(content), save=False)
        material.save()


def _user(username, real_name, id_body, phone, employer):
    from accounts.demo import DEMO_PASSWORD

    user, created = User.objects.get_or_create(
        username=username, defaults={"real_name": real_name, "phone": phone,
                                     "id_number": id_body + id_number_check_code(id_body)})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    RoleMembership.objects.get_or_create(user=user, organisation=employer, role=Role.APPLICANT)
    return user


def _staff(role, organisation):
    membership = RoleMembership.objects.filter(role=role, organisation=organisation).select_related("user").first()
    return membership.user if membership else None


def _advance(declaration, goal, people) -> None:
    """Move a submitted declaration along the chain as the people whose steps they are would."""
    from reviews.services import verify_material

    from .services import take_action

    def act(actor, action, day=DEMO_DAY, **payload):
        with frozen(day):
            take_action(actor=actor, declaration_id=declaration.pk, action=action, payload=payload)

    if goal == "returned":
        act(people["handler"], "return", items=[{"about": "material:education", "problem": "学历证书复印件不清晰，请上传原件扫描件"}],
            deadline="2026-09-29", comment="演示：一次性告知")
        return
    with frozen(DEMO_DAY):
        for material in declaration.materials.all():
            verify_material(actor=people["handler"], material_id=material.pk, verdict="true")
    act(people["admin"], "recommend", evaluation=EVALUATION)
    if goal == "unit_publicity":
        return
    act(people["admin"], "forward", day=date(2026, 9, 21))
    if goal == "department_review":
        return
    act(people["dept"], "pass", day=date(2026, 9, 21), comment="材料齐全，同意上报")
    if goal == "bureau_review":
        return
    act(people["bureau"], "pass", day=date(2026, 9, 21), comment="政策性审查通过，提交评审委员会")


def load(organisations) -> None:
    from reviews.services import set_quota

    from .services import start_declaration, take_action

    plan = ReviewPlan.objects.filter(year=2026, status=ReviewPlan.Status.PUBLISHED).order_by("pk").first()
    applicant = User.objects.filter(username="applicant").first()
    if plan is None or applicant is None or Declaration.objects.filter(plan=plan).exists():
        return
    employer_a, employer_b = organisations["employer_a"], organisations["employer_b"]
    people = {"handler": _staff(Role.EMPLOYER_HANDLER, employer_a), "admin": _staff(Role.EMPLOYER_ADMIN, employer_a),
              "dept": _staff(Role.DEPT_REVIEWER, organisations["dept"]),
              "bureau": _staff(Role.BUREAU_REVIEWER, organisations["bureau"])}
    specialty = plan.specialties.filter(name="土木工程").first()
    with frozen(DEMO_DAY):
        set_quota(actor=people["dept"], plan_id=plan.pk, employer_id=employer_a.pk, level="intermediate", places=5)
        set_quota(actor=people["bureau"], plan_id=plan.pk, employer_id=employer_b.pk, level="intermediate",
                  places=2)
        # 张伟: a draft with a filled profile and every required material: ready to submit
        _profile(applicant, plan.series, employer_a.name)
        draft = start_declaration(actor=applicant, plan_id=plan.pk, level="intermediate",
                                  specialty_id=specialty.pk if specialty else None)
        _attach_materials(draft)
        # 吴磊 (山西太行建工集团, directly under the bureau): submitted, at the employer
        others = [(User.objects.get(username="applicant_b"), employer_b, "employer_review")]
        others += [(_user(u, n, i, p, employer_a), employer_a, goal) for u, n, i, p, goal in APPLICANTS]
        for user, employer, goal in others:
            _profile(user, plan.series, employer.name)
            declaration = start_declaration(actor=user, plan_id=plan.pk, level="intermediate",
                                            specialty_id=specialty.pk if specialty else None)
            _attach_materials(declaration)
            take_action(actor=user, declaration_id=declaration.pk, action="submit", payload={"pledge": True})
            if goal != State.EMPLOYER_REVIEW:
                declaration.refresh_from_db()
                _advance(declaration, goal, people)
