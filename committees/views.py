"""Public pages of committees: who may review what, under which filing (核准备案), until when."""

from django.shortcuts import render
from django.utils import timezone

from titles.models import Level

from .selectors import public_committees


def committee_list(request):
    today = timezone.localdate()
    rows = []
    for committee in public_committees():
        filed = bool(committee.filing_number and committee.filed_from and committee.filed_until)
        if not filed:
            status = "未备案"
        elif today < committee.filed_from:
            status = "尚未生效"
        elif today > committee.filed_until:
            status = "已过期"
        else:
            status = "有效"
        rows.append({
            "committee": committee,
            "levels": [label for value, label in Level.choices if value in (committee.levels or ())],
            "specialties": [s.name for s in committee.specialties.all()],
            "status": status,
        })
    return render(request, "committees/list.html", {"rows": rows, "today": today})
