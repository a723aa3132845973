"""config.inserts.insert_together: new rows of several models in one statement, as ``save()`` writes them."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from accounts.models import Role
from declarations.models import DeclarationVersion, Pledge
from reviews.models import Decision
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _rows(declaration, actor, n):
    snapshot = {"profile": {"name": "张三", "quote": '"\\\\'}, "materials": [{"sha256": "a" * 64}], "n": n}
    return (DeclarationVersion(declaration=declaration, number=n, action="submit", snapshot=snapshot, created_by=actor),
            Pledge(declaration=declaration, version_number=n, text_version="2026-1", text="承诺", signed_by=actor,
                   ip_address="10.0.0.1"),
            Decision(declaration=declaration, action="submit", actor=actor, body=declaration.employer, basis="依据",
                     from_state="draft", to_state="employer_review", comment="意见"))


def _stored(instance):
    fields = [f.attname for f in type(instance)._meta.concrete_fields if f.attname not in ("id", "created_at",
                                                                                            "signed_at")]
    return model_to_dict(type(instance).objects.get(pk=instance.pk), fields=fields)


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_rows_written_together_are_the_rows_save_writes(org_tree, plan, vendor, monkeypatch):
    from declarations.models import Declaration

    if connection.vendor != "postgresql":
        pytest.skip("compares the one statement with save() on PostgreSQL")
    actor = user_with_role(Role.APPLICANT, org_tree["employer_a"], username=f"inserts-{vendor}")
    declaration = Declaration.objects.create(applicant=actor, employer=org_tree["employer_a"], plan=plan,
                                             year=plan.year, series=plan.series, level="intermediate")
    saved = _rows(declaration, actor, 1)
    for instance in saved:
        instance.save(force_insert=True)
    together = _rows(declaration, actor, 2)
    monkeypatch.setattr(connection, "vendor", vendor)
    from config.inserts import insert_together

    insert_together(*together)
    monkeypatch.undo()
    for ours, theirs in zip(together, saved, strict=True):
        assert ours.pk and not ours._state.adding and ours.pk != theirs.pk
        stored = type(ours).objects.get(pk=ours.pk)
        assert getattr(stored, "created_at", None) or stored.signed_at  # auto_now_add filled, as save() fills it
        expected = {**_stored(theirs), **{k: v for k, v in model_to_dict(ours).items() if k in ("number",
                                                                                                 "version_number")}}
        expected.pop("snapshot", None)
        assert {k: v for k, v in _stored(ours).items() if k != "snapshot"} == expected
    assert DeclarationVersion.objects.get(pk=together[0].pk).snapshot == {**saved[0].snapshot, "n": 2}
    with pytest.raises(ValueError):
        insert_together(*together)  # written once: these rows have their ids
