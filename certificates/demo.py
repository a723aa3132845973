"""Demo data for certificates: two paper-era certificates imported as 002 二(四) asks, one valid (张伟)
and one revoked, so that /verify/ answers both ways (the demo prints their numbers and codes)."""

from accounts.models import User

from .models import Certificate
from .services import import_historical, revoke_certificate

DEMO_CERTIFICATES = [
    {"number": "2019-140400-0001-000088", "verification_code": "ZHC8K3TQ", "holder_name": "张伟",
     "id_number": "", "series": "工程", "specialty": "土木工程", "level": "助理级", "title_name": "助理工程师",
     "committee": "长治市工程系列初级职称评审委员会", "approval_document": "长人社职字〔2019〕21号",
     "approved_on": "2019-12-10", "issued_on": "2019-12-20", "region_code": "140400", "scope": "",
     "username": "applicant"},
    {"number": "2018-140400-0001-000017", "verification_code": "RVK7X4MP", "holder_name": "吴某",
     "id_number": "", "series": "工程", "specialty": "建筑工程", "level": "中级", "title_name": "工程师",
     "committee": "长治市工程系列中级职称评审委员会", "approval_document": "长人社职字〔2018〕35号",
     "approved_on": "2018-12-12", "issued_on": "2018-12-25", "region_code": "140400", "scope": "",
     "username": ""},
]


def load(organisations) -> None:
    rows = [row for row in DEMO_CERTIFICATES if not Certificate.objects.filter(number=row["number"]).exists()]
    if not rows:
        return
    bureau = User.objects.filter(username="bureau").first()
    certificates = {c.number: c for c in import_historical(actor=bureau, rows=rows)}
    revoked = certificates.get("2018-140400-0001-000017")
    if revoked is not None and bureau is not None:
        revoke_certificate(actor=bureau, certificate_id=revoked.pk, reason=Certificate.RevocationReason.INELIGIBLE,
                           text="经核查，申报时任职年限不符合条件（演示数据）")
