"""The plan's PDF (WeasyPrint, embedded CJK fonts), rendered by the worker through the outbox.

Rendering reads the plan without locking it; only storing the finished file takes the plan's row
lock, for a moment. Idempotent per version: a version already rendered is not rendered again, and a
render overtaken by an amendment is dropped (the amendment's own message renders the newest plan).
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string

from .documents import citation
from .models import Level, ReviewPlan
from .selectors import effective_plan_rules, plan_citations, plan_document_name

RENDER_PLAN_DOCUMENT = "titles.rendering.render_plan_document"  # the outbox kind


def calendar_documents(citations) -> str:
    """The documents behind the calendar rules the PDF states, each once, in rule order."""
    rules = ("MEETINGS_END", "RESULTS_END", "PUBLICITY_LENGTH", "NO_CROSS_YEAR")
    return "；".join(dict.fromkeys(citation(citations, rule) for rule in rules))


def plan_html(plan) -> str:
    return render_to_string("titles/pdf/plan.html", {
        "plan": plan,
        "levels": [Level(v).label for v in plan.levels if v in Level.values],
        "phases": plan.phases.order_by("start"),
        "amendments": plan.amendments.order_by("number"),
        "rules": effective_plan_rules(region_code=plan.organisation.region_code, year=plan.year),
        "calendar_documents": calendar_documents(plan_citations(plan)),
    })


def render_plan_document(*, plan_id: int) -> str:
    """Render the plan's current version into the media storage; returns the document's storage name
    ("" when the plan is gone or not published)."""
    from weasyprint import HTML  # heavy: loaded by the worker when it renders, not by every web process

    plan = (ReviewPlan.objects.select_related("organisation", "committee", "series")
            .filter(pk=plan_id, status=ReviewPlan.Status.PUBLISHED).first())
    if plan is None:
        return ""
    version = plan.amendments.count()
    name = plan_document_name(plan.pk, version)
    if plan.document.name == name:
        return name
    pdf = HTML(string=plan_html(plan)).write_pdf()
    with transaction.atomic():
        plan = ReviewPlan.objects.select_for_update().get(pk=plan_id)
        if plan.document.name == name or plan.amendments.count() != version:
            return plan.document.name  # rendered meanwhile, or amended: the newer message renders it
        storage, old = plan.document.storage, plan.document.name
        if storage.exists(name):  # left by a render whose transaction did not commit
            storage.delete(name)
        plan.document.name = storage.save(name, ContentFile(pdf))
        plan._change_reason = "生成方案文本"
        plan.save(update_fields=["document"])
        if old:
            transaction.on_commit(lambda: storage.delete(old))
    return plan.document.name
