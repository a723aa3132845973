"""config.choices.choice_display: the same labels as Django's own ``get_FOO_display``, without rebuilding the
field's choices on each call."""

import pytest
from django.db import models

from config.choices import choice_display
from declarations.models import Declaration
from reviews.models import MaterialVerification, Objection

SHOWN = [(Declaration, "state"), (Declaration, "level"), (Declaration, "route"),
         (MaterialVerification, "verdict"), (Objection, "outcome"), (Objection, "stage")]


@pytest.mark.parametrize(("model", "name"), SHOWN)
def test_every_choice_and_an_unknown_value_read_as_django_reads_them(model, name):
    field = model._meta.get_field(name)
    assert model._get_FIELD_display is choice_display
    for value in [code for code, _label in field.flatchoices] + ["no-such-code", "", None]:
        instance = model(**{field.attname: value})
        shown = getattr(instance, f"get_{name}_display")()
        assert shown == models.Model._get_FIELD_display(instance, field)
        assert type(shown) is type(models.Model._get_FIELD_display(instance, field))


def test_a_label_is_text_not_a_lazy_translation():
    assert type(Declaration(state="draft").get_state_display()) is str
