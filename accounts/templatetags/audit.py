from django import template

from accounts.services import action_label as _action_label
from accounts.validators import mask_personal_numbers

register = template.Library()


@register.filter
def action_label(code):
    return _action_label(code)


@register.filter
def masked_numbers(text):
    return mask_personal_numbers(str(text or ""))
