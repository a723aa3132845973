"""Writes of the certificates app: asking for issuance, issuing (numbering + PDF), revoking, importing
paper-era certificates.

Issuance runs in the worker: ``request_issue`` (called once declarations are approved) checks the
request and enqueues it through the outbox; the outbox's handler (``tasks.dispatch_issue``) hands the
ids in chunks to the ``certificates.issue`` task, which calls ``issue_certificates``. Each certificate is
numbered in its own short transaction (declaration row lock, then the counter row lock: the number and
the certificate commit or roll back together, so there is no gap and no twin); the PDF is rendered and
signed afterwards, outside any lock, and stored in a second short transaction. Everything is
idempotent: a declaration with a certificate keeps it, a certificate with its PDF is not rendered again.
"""

import hashlib
import logging
import secrets
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.errors import CONFLICT, NOT_FOUND, DomainError
from accounts.models import CreditRecord
from accounts.notifications import notify
from accounts.permissions import bureau_region_codes, is_system_admin
from accounts.services import record_credit, record_event
from accounts.validators import mask_id_number
from config.clock import today
from declarations.flow import State
from declarations.models import Declaration
from outbox.services import enqueue
from titles.documents import citation
from titles.models import Level, TitleName
from titles.selectors import effective_citations

from .models import VERIFICATION_ALPHABET, VERIFICATION_CODE_LENGTH, Certificate, CertificateCounter
from .rendering import render_certificate

logger = logging.getLogger(__name__)

ISSUE_KIND = "certificates.tasks.dispatch_issue"  # the outbox kind
JUNIOR_LEVELS = (Level.TECHNICIAN, Level.ASSISTANT)  # 初级
DIRECT_APPOINTMENT_ROUTE = "initial"  # 初定: appointed directly, not reviewed (002 一(六)1)


def new_verification_code() -> str:
    return "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_CODE_LENGTH))


def committee_code(committee_id: int) -> str:
    """The committee's part of the certificate number: its id on this platform, 4 digits or more."""
    return f"{committee_id:04d}"


def format_number(year: int, region_code: str, committee: str, sequence: int) -> str:
    return f"{year}-{region_code}-{committee}-{sequence:06d}"


def _declarations():
    return Declaration.objects.select_related("applicant", "employer", "plan__organisation", "plan__committee",
                                              "series", "specialty")


def _region(declaration) -> str:
    return declaration.plan.organisation.region_code


def _citations(declaration) -> dict:
    return effective_citations(region_code=_region(declaration), year=declaration.year)


def refusal(declaration, citations) -> DomainError | None:
    """Why this declaration gets no certificate, or None."""
    if declaration.state != State.APPROVED:
        return DomainError(f"{declaration}：尚未评审通过（当前状态：{declaration.get_state_display()}），不能核发证书",
                           code="not_approved", kind=CONFLICT)
    if declaration.route == DIRECT_APPOINTMENT_ROUTE and declaration.level in JUNIOR_LEVELS:
        document = citation(citations, "CERT_DIRECT_APPOINTMENT")
        return DomainError(f"{declaration}：直接聘任（初定）的初级专业技术职务不发放任职资格证书（依据：{document}）",
                           code="CERT_DIRECT_APPOINTMENT", kind=CONFLICT)
    return None


def _approval_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError("审批日期应为 YYYY-MM-DD 格式的日期", code="invalid",
                          errors={"approved_on": ["审批日期应为 YYYY-MM-DD 格式的日期"]}) from None


@transaction.atomic
def request_issue(*, actor, declaration_ids, approval_document: str, approved_on, request=None):
    """Ask the worker to issue the certificates of approved declarations (the lead's flow calls it after
    ``approve``). Refuses the whole request (nothing enqueued) when any declaration is not visible to the
    actor's bureau, not approved, or a direct 初级 appointment (002 一(六)1); declarations that already
    have a certificate are left out (issuing twice gives the same certificate). Returns the outbox
    message, or None when there is nothing left to issue."""
    if not actor.has_perm("certificates.issue_certificates"):
        raise PermissionDenied("只有人社部门审核人可以核发电子证书")
    approval_document = (approval_document or "").strip()
    if not approval_document:
        raise DomainError("请填写审批文号", code="invalid", errors={"approval_document": ["请填写审批文号"]})
    approved_on = _approval_date(approved_on)
    if approved_on > today():
        raise DomainError("审批日期不能晚于今天", code="invalid", errors={"approved_on": ["审批日期不能晚于今天"]})
    try:
        ids = sorted({int(pk) for pk in declaration_ids})
    except (TypeError, ValueError):
        raise DomainError("申报编号应为整数", code="invalid", errors={"declaration_ids": ["申报编号应为整数"]}) from None
    if not ids:
        raise DomainError("请选择要核发证书的申报", code="invalid", errors={"declaration_ids": ["请选择要核发证书的申报"]})
    declarations = {d.pk: d for d in _declarations().filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in declarations]
    if missing:
        raise DomainError(f"申报不存在：{'、'.join(map(str, missing))}", code="not_found", kind=NOT_FOUND)
    regions = None if is_system_admin(actor) else bureau_region_codes(actor)
    problems, citations = [], {}
    for declaration in declarations.values():
        region = _region(declaration)
        if regions is not None and region not in regions:
            raise PermissionDenied(f"{declaration} 不属于您所在人社部门的辖区")
        key = (region, declaration.year)
        if key not in citations:
            citations[key] = _citations(declaration)
        problem = refusal(declaration, citations[key])
        if problem is not None:
            problems.append(problem)
    if problems:
        first = problems[0]
        raise DomainError("；".join(p.message for p in problems), code=first.code, kind=CONFLICT,
                          errors={"declaration_ids": [p.message for p in problems]})
    return _enqueue_issue(ids, approval_document=approval_document, approved_on=approved_on, actor=actor)


def _enqueue_issue(ids, *, approval_document: str, approved_on: date, actor):
    issued = set(Certificate.objects.filter(declaration_id__in=ids).values_list("declaration_id", flat=True))
    todo = [pk for pk in ids if pk not in issued]
    if not todo:
        return None
    return enqueue(kind=ISSUE_KIND, payload={"declaration_ids": todo, "approval_document": approval_document,
                                             "approved_on": approved_on.isoformat(), "actor_id": actor.pk})


def issue_on_approval(*, actor, declaration, approval_document: str, approved_on: date):
    """The ``approve`` step's follow-up (reviews.actions.do_approve, inside take_action's transaction, the
    actor already checked as the bureau's reviewer): the certificate is issued by the worker after the
    commit, through the outbox; ``issue_one`` checks the approved state then. A direct 初级 appointment
    (002 一(六)1) is approved without a certificate."""
    if declaration.route == DIRECT_APPOINTMENT_ROUTE and declaration.level in JUNIOR_LEVELS:
        return None
    return _enqueue_issue([declaration.pk], approval_document=approval_document, approved_on=approved_on,
                          actor=actor)


def issuance_progress(declaration_ids, *, within: int) -> tuple[list[int], bool]:
    """(the ids still without a certificate and its PDF, whether one of the request's certificates was
    issued in the last ``within`` seconds). Declarations that get no certificate (not approved, a direct
    初级 appointment) are not missing."""
    from datetime import timedelta

    from django.db.models import Max

    eligible = (Declaration.objects.filter(pk__in=declaration_ids, state=State.APPROVED)
                .exclude(route=DIRECT_APPOINTMENT_ROUTE, level__in=JUNIOR_LEVELS).values_list("pk", flat=True))
    done = set(Certificate.objects.filter(declaration_id__in=declaration_ids).exclude(pdf="")
               .values_list("declaration_id", flat=True))
    missing = sorted(set(eligible) - done)
    latest = (Certificate.objects.filter(declaration_id__in=declaration_ids).aggregate(latest=Max("issued_at"))
              ["latest"]) if missing and within else None
    return missing, latest is not None and latest > timezone.now() - timedelta(seconds=within)


def chunks(ids, size: int) -> list[list[int]]:
    return [list(ids[i:i + size]) for i in range(0, len(ids), size)]


def _title_name(declaration) -> str:
    names = {(t.specialty_id, t.level): t.name
             for t in TitleName.objects.filter(series_id=declaration.series_id, level=declaration.level)}
    name = names.get((declaration.specialty_id, declaration.level)) or names.get((None, declaration.level))
    return name or f"{declaration.series.name}{Level(declaration.level).label}"


def scope_text(declaration) -> str:
    """Where a directed title or a grassroots 副高 is valid (004 六(三), 002 一(一)4); empty otherwise.
    A grassroots 副高 is one reviewed by a committee whose filed scope (评审范围) is grassroots (基层)."""
    if declaration.route == "directed":
        return (f"“定向评价、定向使用”职称，仅在{declaration.plan.organisation.name}辖区内的基层单位有效，"
                "不作为申报评审上一级通用职称的依据")
    committee = declaration.plan.committee
    if declaration.level == Level.ASSOCIATE_SENIOR and committee is not None and "基层" in (committee.scope or ""):
        return "基层副高级职称，仅在基层事业单位有效，不作为晋升正高级职称或岗位等级的依据"
    return ""


def issue_one(*, declaration_id: int, approval_document: str, approved_on: date, actor=None) -> Certificate | None:
    """Number and record one certificate (no PDF yet); the existing one when there is one; None when the
    declaration is gone or gets no certificate (logged)."""
    with transaction.atomic():
        declaration = (_declarations().select_for_update(of=("self",)).filter(pk=declaration_id).first())
        if declaration is None:
            logger.warning("核发证书：申报 #%s 不存在", declaration_id)
            return None
        existing = Certificate.objects.filter(declaration_id=declaration_id).first()
        if existing is not None:
            return existing
        problem = refusal(declaration, _citations(declaration))
        if problem is not None:
            logger.warning("核发证书：%s", problem.message)
            return None
        region, code = _region(declaration), committee_code(declaration.plan.committee_id)
        # the counter row: created once (a concurrent creator waits on the unique index), then locked
        CertificateCounter.objects.bulk_create(
            [CertificateCounter(year=declaration.year, region_code=region, committee_code=code)],
            ignore_conflicts=True)
        counter = CertificateCounter.objects.select_for_update().get(year=declaration.year, region_code=region,
                                                                     committee_code=code)
        counter.last += 1
        counter.save(update_fields=["last"])
        applicant = declaration.applicant
        certificate = Certificate.objects.create(
            number=format_number(declaration.year, region, code, counter.last), verification_code=new_verification_code(),
            declaration=declaration, holder=applicant, employer=declaration.employer,
            holder_name=applicant.real_name or applicant.username, holder_id_masked=mask_id_number(applicant.id_number),
            series_name=declaration.series.name, specialty_name=declaration.specialty.name if declaration.specialty else "",
            level=declaration.level, title_name=_title_name(declaration), committee=declaration.plan.committee,
            committee_name=declaration.plan.committee.name, approval_document=approval_document,
            approved_on=approved_on, scope=scope_text(declaration), year=declaration.year, region_code=region,
            committee_code=code, sequence=counter.last, issued_at=timezone.now(),
        )
        record_event(actor=actor, action="issue_certificate", obj=certificate, to_state=Certificate.Status.VALID,
                     comment=f"证书编号 {certificate.number}；审批文号 {approval_document}")
    return certificate


def attach_pdf(*, certificate_id: int) -> Certificate | None:
    """Render and sign the certificate's PDF (outside any lock) and store it, unless it has one."""
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None or certificate.pdf or certificate.origin != Certificate.Origin.ISSUED:
        return certificate
    pdf = render_certificate(certificate, effective_citations(region_code=certificate.region_code,
                                                              year=certificate.year))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update(of=("self",)).select_related("holder").get(pk=certificate_id)
        if certificate.pdf:
            return certificate  # rendered meanwhile by a second delivery
        name = certificate.pdf.field.generate_filename(certificate, f"{certificate.number}.pdf")
        storage = certificate.pdf.storage
        if storage.exists(name):  # left by a render whose transaction did not commit
            storage.delete(name)
        certificate.pdf.name = storage.save(name, ContentFile(pdf))
        certificate.sha256 = hashlib.sha256(pdf).hexdigest()
        certificate._change_reason = "生成电子证书文件"
        certificate.save(update_fields=["pdf", "sha256"])
        if certificate.holder_id:
            notify(recipients=[certificate.holder], key=f"certificate-{certificate.pk}",
                   title=f"您的职称电子证书已核发：{certificate.title_name}",
                   body=f"证书编号 {certificate.number}，可在“我的证书”中下载、打印。", link="/certificates/")
    return certificate


def issue_certificates(*, declaration_ids, approval_document: str, approved_on, actor_id=None) -> list[Certificate]:
    """Issue the certificates of these declarations, each with its PDF (idempotent: see the module)."""
    from accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    approved_on = _approval_date(approved_on)
    issued = []
    for declaration_id in declaration_ids:
        certificate = issue_one(declaration_id=declaration_id, approval_document=approval_document,
                                approved_on=approved_on, actor=actor)
        if certificate is not None:
            issued.append(attach_pdf(certificate_id=certificate.pk))
    return issued


# --- revocation (001 四(三)) -------------------------------------------------------------------------

# Reasons that are the holder's breach, written to the credit archive (001 四(四)).
CREDIT_REASONS = (Certificate.RevocationReason.FRAUD,)


@transaction.atomic
def revoke_certificate(*, actor, certificate_id: int, reason: str, text: str, basis: str = "",
                       request=None) -> Certificate:
    """Revoke a certificate (a title obtained by fraud, 001 四(三)): verification shows it at once; a
    revocation for fraud writes the holder's credit record (001 四(四)) from today."""
    from .selectors import access_certificate

    certificate = access_certificate(actor, certificate_id, for_update=True)
    if not actor.has_perm("certificates.revoke_certificate", certificate):
        raise PermissionDenied("只有证书所属地区的人社部门可以撤销证书")
    if certificate.status == Certificate.Status.REVOKED:
        raise DomainError("该证书已撤销", code="already_revoked", kind=CONFLICT)
    if reason not in Certificate.RevocationReason.values:
        message = f"请选择撤销原因类别（{'、'.join(Certificate.RevocationReason.labels)}）"
        raise DomainError(message, code="invalid", errors={"reason": [message]})
    text = (text or "").strip()
    if not text:
        raise DomainError("请填写撤销说明", code="invalid", errors={"text": ["请填写撤销说明"]})
    citations = effective_citations(region_code=certificate.region_code, year=certificate.year)
    basis = (basis or "").strip() or citation(citations, "CERT_REVOCATION")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason, certificate.revocation_text = reason, text
    certificate.revocation_basis, certificate.revoked_by = basis[:300], actor
    certificate._change_reason = "撤销证书"
    certificate.save()
    record_event(actor=actor, action="revoke_certificate", obj=certificate, from_state=Certificate.Status.VALID,
                 to_state=Certificate.Status.REVOKED, comment=f"{certificate.get_revocation_reason_display()}：{text}"
                 f"（依据：{basis}）", request=request)
    if reason in CREDIT_REASONS and certificate.holder_id:
        record_credit(actor=actor, subject=certificate.holder, kind=CreditRecord.Kind.APPLICANT,
                      reason=f"以{certificate.get_revocation_reason_display()}职称，证书 {certificate.number} 被撤销：{text}",
                      basis=citation(citations, "CREDIT_RECORD"), source=f"撤销证书 {certificate.number}",
                      region_code=certificate.region_code, request=request)
    return certificate


# --- historical certificates (002 二(四)) -------------------------------------------------------------

# The CSV's columns (UTF-8, with or without BOM, first line = these names); README.md documents them.
IMPORT_COLUMNS = {
    "number": ("证书编号", True, 40), "verification_code": ("验证码", False, 16), "holder_name": ("姓名", True, 50),
    "id_number": ("身份证号码", False, 18), "series": ("系列", True, 50), "specialty": ("专业", False, 50),
    "level": ("层级", True, 20), "title_name": ("职称名称", True, 50), "committee": ("评审委员会", True, 200),
    "approval_document": ("审批文号", True, 100), "approved_on": ("审批日期", True, 10),
    "issued_on": ("发证日期", True, 10), "region_code": ("行政区划代码", True, 12), "scope": ("适用范围", False, 300),
    "username": ("持证人账号", False, 150),
}


def _parse_row(row: dict, line: int, seen: set, known_numbers: set, users: dict) -> tuple[dict, dict]:
    """One CSV row → certificate fields, or the row's errors keyed ``第 N 行 字段``."""
    from accounts.validators import id_number_problem
    from titles.validators import date_in_range

    errors, values = {}, {}

    def fail(key, message):
        errors.setdefault(f"第 {line} 行 {IMPORT_COLUMNS[key][0]}（{key}）", []).append(message)

    for key, (_label, required, length) in IMPORT_COLUMNS.items():
        value = (row.get(key) or "").strip()
        if required and not value:
            fail(key, "不能为空")
        elif len(value) > length:
            fail(key, f"不能超过 {length} 个字符")
        values[key] = value
    number = values["number"]
    if number and (number in known_numbers or number in seen):
        fail("number", f"证书编号 {number} 已存在" if number in known_numbers else f"证书编号 {number} 在文件中重复")
    seen.add(number)
    code = values["verification_code"].upper()
    if code and (len(code) < 4 or any(c not in VERIFICATION_ALPHABET for c in code)):
        fail("verification_code", f"验证码应为 4 至 16 位，只含字符 {VERIFICATION_ALPHABET}")
    values["verification_code"] = code or new_verification_code()
    if values["id_number"] and (problem := id_number_problem(values["id_number"].upper())):
        fail("id_number", problem)
    levels = {**{v: v for v in Level.values}, **{label: value for value, label in Level.choices}}
    if values["level"] and values["level"] not in levels:
        fail("level", f"取值无效：{values['level']}；可选：{'、'.join(Level.labels)}")
    values["level"] = levels.get(values["level"], "")
    for key in ("approved_on", "issued_on"):
        if not values[key]:
            continue
        try:
            day = date.fromisoformat(values[key])
        except ValueError:
            fail(key, "应为 YYYY-MM-DD 格式的日期")
            continue
        if not date_in_range(day) or day > today():
            fail(key, f"日期 {values[key]} 不在可受理的范围内（1950 年至今天）")
        values[key] = day
    if values["region_code"] and not (values["region_code"].isdigit() and len(values["region_code"]) == 6):
        fail("region_code", "应为 6 位数字的行政区划代码")
    if values["username"] and values["username"] not in users:
        fail("username", f"账号 {values['username']} 不存在")
    return values, errors


@transaction.atomic
def import_historical(*, actor, rows, request=None) -> list[Certificate]:
    """Import paper-era certificates (002 二(四)) so they verify like issued ones (no PDF). ``rows`` are
    dicts by the column names of IMPORT_COLUMNS, numbered from line 2 (line 1 holds the names). Every row
    is checked first; any error refuses the whole file (nothing imported) with each row's and field's
    message in Chinese."""
    from accounts.models import User

    if actor is not None and not actor.has_perm("certificates.import_certificates"):
        raise PermissionDenied("只有人社部门审核人可以导入历史证书")
    rows = list(rows)
    if not rows:
        raise DomainError("文件中没有证书数据", code="invalid", errors={"file": ["文件中没有证书数据"]})
    unknown = sorted({key for row in rows for key in row if key is not None and key not in IMPORT_COLUMNS})
    if unknown or any(None in row for row in rows):
        message = (f"未知的列：{'、'.join(unknown)}" if unknown else "有的行比表头多出了列") + \
                  f"；可用的列：{', '.join(IMPORT_COLUMNS)}"
        raise DomainError(message, code="invalid", errors={"file": [message]})
    numbers = {(row.get("number") or "").strip() for row in rows}
    known = set(Certificate.objects.filter(number__in=numbers).values_list("number", flat=True))
    usernames = {(row.get("username") or "").strip() for row in rows} - {""}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    parsed, errors, seen = [], {}, set()
    for line, row in enumerate(rows, start=2):
        values, row_errors = _parse_row(row, line, seen, known, users)
        parsed.append(values)
        errors.update(row_errors)
    if errors:
        raise DomainError(f"共 {len(errors)} 处错误，未导入任何证书", code="invalid", errors=errors)
    certificates = []
    for values in parsed:
        certificate = Certificate.objects.create(
            number=values["number"], verification_code=values["verification_code"], origin=Certificate.Origin.HISTORICAL,
            holder=users.get(values["username"]), holder_name=values["holder_name"],
            holder_id_masked=mask_id_number(values["id_number"].upper()), series_name=values["series"],
            specialty_name=values["specialty"], level=values["level"], title_name=values["title_name"],
            committee_name=values["committee"], approval_document=values["approval_document"],
            approved_on=values["approved_on"], scope=values["scope"], year=values["approved_on"].year,
            region_code=values["region_code"],
            issued_at=timezone.make_aware(datetime.combine(values["issued_on"], time(12))),
        )
        record_event(actor=actor, action="import_certificate", obj=certificate, to_state=certificate.status,
                     comment=f"历史证书 {certificate.number}", request=request)
        certificates.append(certificate)
    return certificates
