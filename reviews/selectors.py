"""Reads of the review chain: verifications in force, the diff of two versions, the open return."""

from __future__ import annotations

from django.db.models import Count, Max

from .models import CorrectionNotice, LateStep, MaterialVerification


def latest_verifications(declaration) -> dict[int, MaterialVerification]:
    """Material id → its latest verification (one query)."""
    latest: dict[int, MaterialVerification] = {}
    rows = MaterialVerification.objects.filter(material__declaration=declaration).order_by("material_id", "-pk")
    for row in rows:
        latest.setdefault(row.material_id, row)
    return latest


def open_correction(declaration) -> CorrectionNotice | None:
    return declaration.corrections.filter(resubmitted_at__isnull=True).order_by("-pk").first()


def _flatten(value, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        out[prefix] = value
    else:
        out[prefix] = value


def version_diff(older: dict | None, newer: dict) -> dict:
    """What changed between two submitted versions, field by field and material by material.

    Answers ``{"fields": [{"about", "before", "after"}], "materials": [{"about", "kind", "change",
    "before", "after"}]}``; ``about`` is what a return item names (``profile.career_start``,
    ``material:<kind>``)."""
    older = older or {}
    before, after = {}, {}
    for part in ("declaration", "profile"):
        _flatten(older.get(part, {}), part, before)
        _flatten(newer.get(part, {}), part, after)
    fields = [{"about": key, "before": before.get(key), "after": after.get(key)}
              for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]

    def by_kind(snapshot):
        table: dict[str, set] = {}
        for material in snapshot.get("materials", []):
            table.setdefault(material["kind"], set()).add((material["name"], material["sha256"]))
        return table

    old_materials, new_materials = by_kind(older), by_kind(newer)
    materials = []
    for kind in sorted(set(old_materials) | set(new_materials)):
        was, now = old_materials.get(kind, set()), new_materials.get(kind, set())
        if was != now:
            change = "added" if not was else "removed" if not now else "replaced"
            materials.append({"about": f"material:{kind}", "kind": kind, "change": change,
                              "before": sorted(name for name, _ in was), "after": sorted(name for name, _ in now)})
    return {"fields": fields, "materials": materials}


def changed_abouts(declaration) -> set[str] | None:
    """What the last correction changed (the diff of the last two versions), or None when there is
    only one version."""
    versions = list(declaration.versions.order_by("-number")[:2])
    if len(versions) < 2:
        return None
    diff = version_diff(versions[1].snapshot, versions[0].snapshot)
    return {row["about"] for row in diff["fields"]} | {row["about"] for row in diff["materials"]}


def visible_late_steps(actor):
    """Late steps (``LateStep``) of the declarations the actor may see: the gate is the declarations'."""
    from declarations.selectors import visible_declarations

    return LateStep.objects.filter(declaration_id__in=visible_declarations(actor).order_by().values("pk"))


def late_organisations(actor) -> list[dict]:
    """Per plan and organisation: how many declarations stayed behind at its step, for which phase,
    by which deadline (one query)."""
    from titles.plan_rules import PHASE_LABELS

    rows = list(visible_late_steps(actor).values(
        "plan_id", "plan__year", "plan__name", "organisation_id", "organisation__name", "phase")
        .annotate(n=Count("pk"), deadline=Max("deadline"))
        .order_by("-plan__year", "plan__name", "plan_id", "phase", "-n", "organisation__name"))
    for row in rows:
        row["phase_label"] = PHASE_LABELS.get(row["phase"], row["phase"])
    return rows
