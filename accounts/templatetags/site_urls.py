"""``{% fixed_url 'accounts:home' %}``: the address of a page without arguments, reversed once per process
(and script prefix) instead of once per page: the layout's six links cost a tenth of a page's CPU through
``{% url %}`` (README.md, 速度)."""

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()
_reversed: dict = {}


@register.simple_tag
def fixed_url(name: str) -> str:
    key = (name, get_script_prefix(), get_urlconf())
    url = _reversed.get(key)
    if url is None:
        url = _reversed[key] = reverse(name)
    return url
