from django import template

from accounts.services import action_label as _action_label
from accounts.services import state_label as _state_label
from accounts.validators import mask_personal_numbers

register = template.Library()


@register.filter
def action_label(code):
    return _action_label(code)


@register.filter
def state_label(code, content_type):
    return _state_label(code, content_type)


@register.filter
def masked_numbers(text):
    return mask_personal_numbers(str(text or ""))
