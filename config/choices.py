"""``get_FOO_display`` without rebuilding the field's choices on every call.

Django's ``Model._get_FIELD_display`` makes a dict of all the field's choices (flattened, each made hashable) each
time it is called: ≈ 85,000 instructions for a declaration's state, level or route, a tenth of a millisecond for the
three facts a declaration's page shows. ``choice_display`` keeps that dict per field for the process and answers as
Django does (the label, lazy translations made text; the value itself when it is not among the choices). Only for
fields with fixed choices (``TextChoices``, lists): a model assigns ``_get_FIELD_display = choice_display``.
"""

import functools

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@functools.cache
def _labels(field) -> dict:
    return dict(make_hashable(field.flatchoices))


def choice_display(self, field):
    value = getattr(self, field.attname)
    return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
