"""A plan's phases as the sweeps and reminders read them."""

from django.db.models import OuterRef, Subquery

from titles.models import PlanPhase


def phase_end(kind: str) -> Subquery:
    return Subquery(PlanPhase.objects.filter(plan=OuterRef("plan_id"), kind=kind).values("end")[:1])


def plans_ending(kind: str, **end):
    """The plans whose ``kind`` phase ends as ``end`` says (``end__lt=today``…), as a sub-select: the
    declarations of a sweep are then looked up by (plan, state) in their index, not every declaration in
    those states read to compute its plan's phase (a million declarations: 0.3–0.5 s a sweep). A plan has one
    phase of each kind (``unique_phase_per_plan``), so no further check of ``phase_end`` is needed."""
    return PlanPhase.objects.filter(kind=kind, **end).values("plan_id")
