"""``{% fixed_url 'accounts:home' %}``, ``{% fixed_url 'declarations:material' m.pk %}``: a page's address,
reversed once per process (and script prefix) instead of once per link: the layout's six links cost a tenth of a
page's CPU through ``{% url %}`` (README.md, 速度), and a declaration's page one ``reverse()`` per material. With
arguments (ids: whole numbers ≥ 0, as ``<int:…>`` takes them) the address is reversed once with a stand-in in
each argument's place, and each link puts its ids there."""

from django import template
from django.conf import settings
from django.core.files.storage import storages
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()
_reversed: dict = {}
_static: dict = {}
_STAND_IN = "7000000001"  # an id no row has, found once in the reversed address


def address_parts(name: str, count: int) -> list[str]:
    """The address of ``name`` reversed with a stand-in in the place of each of its ``count`` ids, split there:
    the text around the ids (ValueError when an argument is not an id)."""
    parts = reverse(name, args=[int(_STAND_IN)] * count).split(_STAND_IN)
    if len(parts) != count + 1:  # the stand-in changed by a converter, or part of the address itself
        raise ValueError(f"fixed_url {name!r}: arguments must be ids (<int:…>)")
    return parts


@register.simple_tag
def fixed_url(name: str, *args) -> str:
    key = (name, len(args), get_script_prefix(), get_urlconf())
    parts = _reversed.get(key)
    if parts is None:
        parts = _reversed[key] = address_parts(name, len(args))
    if not args:
        return parts[0]
    url = [parts[0]]
    for value, after in zip(args, parts[1:], strict=True):
        if type(value) is not int or value < 0:  # what <int:…> would refuse to reverse
            raise ValueError(f"fixed_url {name!r}: {value!r} is not an id")
        url += (str(value), after)
    return "".join(url)


@register.simple_tag
def fixed_static(path: str) -> str:
    """``{% static path %}`` worked out once per process for each path and static-files storage (the storage is
    made anew when the settings that shape it change): the layout's style sheet is on every page, and the storage's
    manifest lookup and address joining cost ≈ 2 % of a declaration's page."""
    key = (path, storages["staticfiles"], settings.DEBUG)  # with DEBUG the manifest's names are not used
    url = _static.get(key)
    if url is None:
        url = _static[key] = static(path)
    return url
