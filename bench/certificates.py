"""Benchmark: one certificate's renderer alone (template → WeasyPrint → pyHanko signature) against the
whole issuance per certificate (numbering, rows, events, render, sign, store), for issue 20's ratio
"certificates ≤ 1.2 × the renderer alone". Reports figures; not a test.

    .venv/bin/python bench/certificates.py [--n 30]

Uses the configured database (DATABASE_URL, default the embedded SQLite; migrated first); everything it
writes is rolled back, files and signing keys go to a temporary directory.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.update(MEDIA_ROOT=str(TMP / "media"), CERT_SIGNING_KEY=str(TMP / "key.pem"),
                  CERT_SIGNING_CERT=str(TMP / "cert.pem"), CERT_SIGNING_PASSPHRASE="bench")


class Rollback(Exception):
    pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import Organisation, Role, RoleMembership, User
    from certificates.rendering import certificate_html, html_to_pdf, sign_pdf
    from certificates.services import issue_certificates
    from certificates.signing_keys import make_signing_pair
    from committees.models import Committee
    from declarations.models import Declaration
    from tests.factories import valid_id_number
    from titles.models import ReviewPlan, Series
    from titles.selectors import effective_citations

    call_command("migrate", verbosity=0)
    make_signing_pair(key_path=TMP / "key.pem", cert_path=TMP / "cert.pem", passphrase="bench")
    figures = {}
    try:
        with transaction.atomic():
            bureau = Organisation.objects.create(name="基准人社局", kind="hr_bureau", region_code="140400")
            employer = Organisation.objects.create(name="基准单位", kind="employer", parent=bureau, region_code="140400")
            series, _ = Series.objects.get_or_create(name="工程")
            committee = Committee.objects.create(name="基准工程系列中级评审委员会", organiser=bureau, office=bureau,
                                                 series=series, levels=["intermediate"])
            plan = ReviewPlan.objects.create(year=2026, organisation=bureau, committee=committee, name="基准方案",
                                             series=series, levels=["intermediate"])
            users = User.objects.bulk_create([User(username=f"bench-holder-{i}", real_name=f"基准{i}",
                                                   id_number=valid_id_number(i), password="!")
                                              for i in range(args.n + 1)])
            RoleMembership.objects.bulk_create([RoleMembership(user=u, organisation=employer, role=Role.APPLICANT)
                                                for u in users])
            ids = [Declaration.objects.create(applicant=u, employer=employer, plan=plan, year=2026, series=series,
                                              level="intermediate", state="approved").pk for u in users]
            approval = {"approval_document": "基准〔2026〕1号", "approved_on": date(2026, 11, 1)}
            [warm] = issue_certificates(declaration_ids=ids[:1], **approval)  # fonts, templates, signer loaded
            citations = effective_citations(region_code="140400", year=2026)

            renderer = []
            for _ in range(args.n):
                started = time.perf_counter()
                sign_pdf(html_to_pdf(certificate_html(warm, citations)))
                renderer.append(time.perf_counter() - started)

            whole = []
            for declaration_id in ids[1:]:
                started = time.perf_counter()
                issue_certificates(declaration_ids=[declaration_id], **approval)
                whole.append(time.perf_counter() - started)
            figures = {"renderer": statistics.median(renderer) * 1000, "issue": statistics.median(whole) * 1000}
            raise Rollback
    except Rollback:
        pass
    ratio = figures["issue"] / figures["renderer"]
    print(f"certificates: n={args.n}")
    print(f"  renderer alone (template + WeasyPrint + QR + pyHanko signature): median {figures['renderer']:.0f} ms")
    print(f"  whole issuance per certificate (numbering, rows, event, render, sign, store): "
          f"median {figures['issue']:.0f} ms")
    print(f"  ratio issuance / renderer: {ratio:.2f} (issue 20 asks ≤ 1.2)")


if __name__ == "__main__":
    main()
