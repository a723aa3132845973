"""The declaration's page: its gate and everything it shows, read in one query (issue 20).

The page showed the declaration with its applicant, unit, plan, series and recommendation (one query,
compiled by the ORM on every request), the objections to the recommendation, and, in a second query, the
materials with their duplicate-file warning and latest verification, the versions, the returns and the
decisions with who took them; the events when there is no decision. ``declaration_page`` reads all of it
as arrays of JSON rows of one statement compiled once per process (``config.json_rows.JsonRows``), then
passes the declaration it built through the one gate, ``access_declaration``: one query a page, whatever
the number of materials, versions, returns, decisions or objections.
"""

import functools
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from config.api import MAX_ID
from config.json_rows import JsonRows, json_row
from config.prepared import loaded
from titles.selectors import active_layer_rows

from .models import Declaration, DeclarationVersion, Material
from .selectors import access_declaration, material_labels, materials_of
from .services import about_label

# the related rows' fields the page and the permission checks read; any other field is deferred (read on
# first access, never a silent default)
_RELATED = {
    "applicant": ("id", "username", "real_name"),
    "employer": ("id", "name", "kind", "parent_id", "region_code", "sector"),
    "plan": ("id", "name", "organisation_id"),
    "series": ("id", "name"),
    "specialty": ("id", "name", "series_id"),
}


def _page_lists(m):
    from django.db.models import CharField, Exists, JSONField, OuterRef, Subquery
    from django.db.models.functions import Cast

    from accounts.models import Event
    from reviews.models import CorrectionNotice, Decision, MaterialVerification, Objection, Recommendation

    own = {f.attname: f.attname for f in Declaration._meta.concrete_fields}
    related = {f"{name}__{field}": f"{name}__{field}" for name, fields in _RELATED.items() for field in fields}
    latest = (MaterialVerification.objects.filter(material=OuterRef("pk")).order_by("-pk")
              .values(row=json_row(verdict="verdict", signer_name="signer_name", signed_at="signed_at",
                                   comment="comment"))[:1])
    decided = Decision.objects.filter(declaration_id=m.declaration)
    page = Declaration.objects.filter(pk=m.declaration)  # by the page's parameter: the same row in any sub-select
    applicant = Subquery(page.values("applicant_id")[:1])
    return page, {
        "declaration": (Declaration.objects.filter(pk=m.ref),
                        {**own, **related, "plan_region_code": "plan__organisation__region_code"}),
        # which rulebook layers are in force (parsed once per process): the names of the materials' kinds. Not
        # OuterRef("pk") here: inside the layers' query it is the layer's own id
        "rulebook_layers": active_layer_rows(Subquery(page.values("plan__organisation__region_code")[:1]),
                                             Subquery(page.values("year")[:1])),
        "recommendation": (Recommendation.objects.filter(declaration_id=m.ref),
                           {f.attname: f.attname for f in Recommendation._meta.concrete_fields}),
        "objections": (Objection.objects.filter(recommendation__declaration_id=m.ref).order_by("recorded_at", "pk"),
                       {"pk": "pk", "text": "text", "recorded_at": "recorded_at", "outcome": "outcome",
                        "reason": "reason"}),
        "materials": (materials_of(m.ref, applicant).annotate(
            latest_verification=Subquery(latest, output_field=JSONField())),
            {"pk": "pk", "kind": "kind", "display_name": "display_name", "size": "size",
             "duplicate_elsewhere": "duplicate_elsewhere", "latest_verification": "latest_verification"}),
        "versions": (DeclarationVersion.objects.filter(declaration_id=m.ref).order_by("number"),
                     {"number": "number", "created_at": "created_at", "snapshot": "snapshot"}),
        # the digest's stand-in for the versions (rows PostgreSQL refuses to change: their ids say what they hold)
        "version_ids": (DeclarationVersion.objects.filter(declaration_id=m.ref).order_by("pk"), {"pk": "pk"}),
        "corrections": (CorrectionNotice.objects.filter(declaration_id=m.ref).order_by("pk"),
                        {"pk": "pk", "returned_from": "returned_from", "number": "number", "items": "items",
                         "deadline": "deadline", "comment": "comment", "resubmitted_at": "resubmitted_at"}),
        "decisions": (Decision.objects.filter(declaration_id=m.ref).order_by("created_at", "pk"),
                      {"action": "action", "basis": "basis", "from_state": "from_state", "to_state": "to_state",
                       "comment": "comment", "created_at": "created_at", "body_name": "body__name",
                       "actor_real_name": "actor__real_name", "actor_username": "actor__username"}),
        # what the timeline shows when there is no decision (declarations made before decisions were kept)
        "events": (Event.objects.filter(content_type_id=m.content_type, object_id=Cast(m.ref, CharField()))
                   .filter(~Exists(decided)).order_by("created_at", "pk"),
                   {"created_at": "created_at", "action": "action"}),
    }


# the versions' snapshots (≈ 5 KB of JSON each) out of the digest: written out as text for it, they cost a kept page
# a fifth of its digest's CPU in PostgreSQL
_PAGE = JsonRows(_page_lists, outer="declaration", numbers=("declaration", "content_type"), undigested=("versions",))


def _is_temporal(field) -> bool:
    return field.get_internal_type() in ("DateField", "DateTimeField")


def _value(field, value):
    """A value of a ``JsonRows`` row as its model field holds it (dates and times come as ISO strings)."""
    if value is None or not _is_temporal(field):
        return value
    return _temporal(field, value)


def _temporal(field, value):
    value = field.to_python(value)
    if isinstance(value, datetime) and timezone.is_naive(value):  # SQLite's JSON writes UTC without its offset
        value = timezone.make_aware(value, UTC)
    return value


@functools.cache
def _layout(model) -> tuple:
    """The model's concrete fields as ``_instance`` reads them, worked out once per process: for each its attname,
    whether it is the primary key, and the field when its value needs converting."""
    pk_name = model._meta.pk.attname
    return tuple((f.attname, f.attname == pk_name, f if _is_temporal(f) else None) for f in model._meta.concrete_fields)


def _instance(model, row: dict, **related):
    """A row as a model instance as the ORM would load it; fields not in the row are deferred."""
    layout = _layout(model)
    values = {}
    for attname, is_pk, temporal in layout:
        key = "pk" if is_pk and "pk" in row else attname
        if key in row:  # else deferred, as the ORM leaves a field it did not read
            value = row[key]
            values[attname] = _temporal(temporal, value) if temporal is not None and value is not None else value
    instance = loaded(model, DEFAULT_DB_ALIAS, values.keys(), values.values())  # as JsonRows reads
    for name, value in related.items():
        field = _many_to_one(model, name)
        if field is None:
            setattr(instance, name, value)
            continue
        # as the ORM's select_related sets them: the id and the cached object, without the descriptor's checks of
        # an object assigned by hand (its type and the routers' allow_relation), ≈ 5 % of a kept page's time
        instance.__dict__[field.attname] = None if value is None else getattr(value, field.target_field.attname)
        field.set_cached_value(instance, value)
    return instance


@functools.cache
def _many_to_one(model, name: str):
    """The foreign key ``name`` of ``model`` (None for any other relation: set through its descriptor)."""
    field = model._meta.get_field(name)
    return field if field.many_to_one else None


def _declaration(row: dict) -> Declaration:
    from accounts.models import Organisation, User
    from titles.models import ReviewPlan, Series, Specialty

    models = {"applicant": User, "employer": Organisation, "plan": ReviewPlan, "series": Series,
              "specialty": Specialty}
    related = {}
    for name, fields in _RELATED.items():
        values = {field: row[f"{name}__{field}"] for field in fields}
        related[name] = _instance(models[name], values) if values["id"] is not None else None
    return _instance(Declaration, row, **related)


def _content_type() -> int:
    return ContentType.objects.get_for_model(Declaration).pk


def declaration_head(actor, pk: int) -> tuple[Declaration, str | None]:
    """``access_declaration`` over the page statement's declaration row, and the digest of everything the page
    shows (``config.json_rows.JsonRows.digest``; None elsewhere than PostgreSQL): the page's HTML is kept under it
    (``config.fragments``). One query; the other lists are built in PostgreSQL, but neither sent nor parsed."""
    found = (_PAGE.digest(("declaration",), declaration=pk, content_type=_content_type())
             if 0 < pk <= MAX_ID else {"declaration": [], "digest": None})
    return _gated(actor, pk, found["declaration"]), found["digest"]


def _gated(actor, pk: int, rows: list) -> Declaration:
    """The one gate of declarations (404 when absent, 403 when not visible), over the row the page's statement read."""
    return access_declaration(actor, pk, fetch=lambda _pk, _lock: _declaration(rows[0]) if rows else None)


def declaration_page(actor, pk: int) -> dict:
    """``access_declaration`` (404 when absent, 403 when not visible) and what the declaration's page shows,
    in one query: ``{"declaration", "recommendation", "objections", "materials", "versions", "corrections",
    "correction", "decisions", "events", "digest"}`` (the digest as ``declaration_head`` reads it). Materials as
    ``{"material", "verification"}`` (the material with ``duplicate_elsewhere``); versions, corrections (each item with
    its ``label``: ``about_label``), the recommendation and its objections as model
    instances for display; decisions as dicts with their ``actor`` (or None: the system) and ``body``;
    the events only when there is no decision."""
    from accounts.models import Event
    from reviews.models import CorrectionNotice, Decision, MaterialVerification, Objection, Recommendation

    lists = (_PAGE.read(declaration=pk, content_type=_content_type(), digest=True)
             if 0 < pk <= MAX_ID else {"declaration": [], "digest": None})  # past bigint: PostgreSQL could not compare
    declaration = _gated(actor, pk, lists["declaration"])
    labels = material_labels(declaration, region_code=lists["declaration"][0]["plan_region_code"] or "",
                             layers=lists["rulebook_layers"])
    materials = []
    for row in lists["materials"]:
        found, duplicate = row.pop("latest_verification"), row.pop("duplicate_elsewhere")
        material = _instance(Material, row, declaration=declaration)
        material.duplicate_elsewhere = duplicate
        material.kind_label = labels.get(material.kind, material.kind)  # a kind no longer in the table: its code
        materials.append({"material": material,
                          "verification": _instance(MaterialVerification, found) if found else None})
    corrections = [_instance(CorrectionNotice, row, declaration=declaration) for row in lists["corrections"]]
    for correction in corrections:  # what each item is about, as the applicant reads it
        correction.shown_items = [{**item, "label": about_label(str(item.get("about", "")), labels)}
                                  for item in correction.items or () if isinstance(item, dict)]
    decisions = []
    created_at = Decision._meta.get_field("created_at")
    for row in lists["decisions"]:
        actor_row = ({"real_name": row["actor_real_name"], "username": row["actor_username"]}
                     if row["actor_username"] is not None else None)
        decisions.append({**row, "created_at": _value(created_at, row["created_at"]), "actor": actor_row,
                          "body": {"name": row["body_name"]} if row["body_name"] is not None else None})
    event_created_at = Event._meta.get_field("created_at")
    recommendation = (_instance(Recommendation, lists["recommendation"][0], declaration=declaration)
                      if lists["recommendation"] else None)
    return {
        "declaration": declaration,
        "recommendation": recommendation,
        "objections": [_instance(Objection, row, recommendation=recommendation) for row in lists["objections"]],
        "materials": materials,
        "versions": [_instance(DeclarationVersion, row, declaration=declaration) for row in lists["versions"]],
        "corrections": corrections,
        "correction": next((c for c in reversed(corrections) if c.resubmitted_at is None), None),
        "decisions": decisions,
        "events": [{"action": row["action"], "created_at": _value(event_created_at, row["created_at"])}
                   for row in lists["events"]],
        "digest": lists["digest"],
        "material_labels": labels,
    }
