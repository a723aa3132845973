"""``{% fixed_url %}``: the same addresses as ``{% url %}``, reversed once per process."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from accounts.templatetags.site_urls import fixed_url


def test_the_same_address_as_reverse_with_and_without_ids():
    assert fixed_url("accounts:home") == reverse("accounts:home")
    for pk in (0, 7, 123456789012):
        assert fixed_url("declarations:material", pk) == reverse("declarations:material", args=[pk])
    assert fixed_url("declarations:delete-material", 5, 9) == reverse("declarations:delete-material", args=[5, 9])
    html = Template("{% load site_urls %}{% fixed_url 'declarations:material' m.pk %}").render(Context({"m": {"pk": 42}}))
    assert html == reverse("declarations:material", args=[42])


def test_only_ids_are_put_in_place():
    for value in ("42", -1, 4.0, True, "x/../"):
        with pytest.raises(ValueError):
            fixed_url("declarations:material", value)
    with pytest.raises(ValueError):  # an address whose argument is not an <int:…>
        fixed_url("declarations:act", 1, "submit")


def test_fixed_static_is_the_static_tag_and_follows_the_settings(settings):
    from django.templatetags.static import static

    from accounts.templatetags.site_urls import fixed_static

    page = Template("{% load static site_urls %}{% static 'css/site.css' %}|{% fixed_static 'css/site.css' %}")
    before = page.render(Context({}))
    assert before.split("|")[0] == before.split("|")[1] == static("css/site.css")
    settings.STATIC_URL = "/assets/"  # the static-files storage is made anew: so is the address
    after = page.render(Context({}))
    assert after.split("|")[0] == after.split("|")[1] == static("css/site.css")
    assert after != before and fixed_static("css/site.css").startswith("/assets/")
