"""The declaration page's rows as model instances (``declarations.page._instance``): the same instance the ORM's
``from_db`` makes (values, deferred fields, state), with or without ``Model.__init__``."""

from datetime import UTC, datetime

from django.db.models.signals import post_init

from declarations.models import Declaration
from declarations.page import _instance

ROW = {"pk": 7, "applicant_id": 3, "employer_id": 4, "plan_id": 5, "year": 2026, "state": "submitted",
       "version": 2, "submitted_at": "2026-09-01T08:00:00+00:00"}


def _as_the_orm_loads_it():
    fields = Declaration._meta.concrete_fields
    names = [field.attname for field in fields]
    values = {"id": 7, **{key: value for key, value in ROW.items() if key != "pk"},
              "submitted_at": datetime(2026, 9, 1, 8, tzinfo=UTC)}
    from django.db.models import DEFERRED

    return Declaration.from_db("default", names, [values.get(name, DEFERRED) for name in names])


def test_the_same_instance_as_from_db():
    made, loaded = _instance(Declaration, ROW), _as_the_orm_loads_it()
    assert {k: v for k, v in vars(made).items() if k != "_state"} == {
        k: v for k, v in vars(loaded).items() if k != "_state"}
    assert made.get_deferred_fields() == loaded.get_deferred_fields() and "series_id" in made.get_deferred_fields()
    assert (made._state.adding, made._state.db) == (False, "default") == (loaded._state.adding, loaded._state.db)
    assert made.pk == 7 and made.submitted_at == datetime(2026, 9, 1, 8, tzinfo=UTC)


def test_a_post_init_receiver_is_still_called():
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Declaration)
    try:
        made = _instance(Declaration, ROW)
    finally:
        post_init.disconnect(receiver, sender=Declaration)
    assert seen == [made] and made.state == "submitted" and "series_id" in made.get_deferred_fields()
