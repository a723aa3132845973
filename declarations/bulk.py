"""Set-based transitions: the deadline sweeps' twin of ``services.take_action``.

The same transition table (``flow.TRANSITIONS``) decides: only the rows whose actor is
``Actor.SYSTEM`` may be taken here, only from their source states, to their targets. For every
declaration moved it writes what ``take_action`` writes for one (the new state, its history row, an
immutable ``reviews.Decision`` citing the rulebook of the plan's region, a hash-chained
``accounts.Event``, the applicant's notification through the outbox), but in a constant number of
queries whatever the number of declarations: one locking SELECT, one UPDATE per target state, one
INSERT per kind of record.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import notify_many
from accounts.services import record_events
from reviews.models import Decision
from titles.documents import citation
from titles.selectors import RulesByScope

from .flow import Action, Actor, system_sources, transition_for
from .models import Declaration


def take_system_action(*, action: str, declarations: QuerySet, comment: Callable[[dict], str],
                       fields: tuple[str, ...] = (), scopes: RulesByScope | None = None) -> list[int]:
    """Take the system ``action`` on every declaration of ``declarations`` that is in one of its
    source states; answer the ids moved. ``comment(row)`` words each decision from the locked row
    (``pk``, ``state`` and the extra ``fields`` of the queryset). Run it inside the sweep's lock."""
    sources = system_sources(action)
    if not sources:
        raise ValueError(f"转换表中没有系统操作 {action}")
    with transaction.atomic():
        rows = list(declarations.filter(state__in=sources).order_by("pk").select_for_update(of=("self",))
                    .values("pk", "state", *fields))
        if not rows:
            return []
        transitions = {state: transition_for(state, action) for state in {row["state"] for row in rows}}
        if any(t.actor != Actor.SYSTEM or t.target.startswith("<") for t in transitions.values()):
            raise ValueError(f"系统操作 {action} 须由转换表给出确定的目标状态")
        now = timezone.now()
        by_target: dict[str, list[int]] = {}
        for row in rows:
            by_target.setdefault(transitions[row["state"]].target, []).append(row["pk"])
        for target, ids in by_target.items():
            Declaration.objects.filter(pk__in=ids).update(state=target, updated_at=now)
        moved = {d.pk: d for d in Declaration.objects.filter(pk__in=[row["pk"] for row in rows])
                 .select_related("applicant", "series", "plan__organisation")}
        label = Action(action).label
        Declaration.history.bulk_history_create(list(moved.values()), update=True, default_change_reason=label,
                                                default_date=now)
        scopes = scopes or RulesByScope()
        decisions = []
        for row in rows:
            declaration, transition = moved[row["pk"]], transitions[row["state"]]
            organisation = declaration.plan.organisation
            basis = citation(scopes.citations(organisation.region_code, declaration.plan.year), transition.basis)
            decisions.append(Decision(declaration_id=declaration.pk, action=action, actor=None,
                                      body_id=organisation.pk, basis=basis, from_state=row["state"],
                                      to_state=declaration.state, comment=comment(row)))
        Decision.objects.bulk_create(decisions)
        record_events(action=action, model=Declaration, entries=[
            {"object_id": d.declaration_id, "object_repr": str(moved[d.declaration_id]), "from_state": d.from_state,
             "to_state": d.to_state, "comment": d.comment} for d in decisions])
        notify_many([
            {"recipient_id": moved[d.declaration_id].applicant_id, "key": f"decision:{d.pk}:applicant",
             "title": f"您的申报：{moved[d.declaration_id].get_state_display()}", "body": f"{label}：{d.comment}",
             "link": reverse("declarations:detail", args=[d.declaration_id])} for d in decisions])
    return [row["pk"] for row in rows]
