"""The site's icon: named by every page, and /favicon.ico leads to it rather than to a 404 page (a browser asks
for it at its first visit and beside every PDF it opens)."""

import re
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def _icon(html: str) -> str:
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert found, "the layout names no icon"
    return found.group(1)


def test_a_signed_out_page_names_the_icon_and_favicon_ico_redirects_to_it(client):
    icon = _icon(client.get("/accounts/login/").content.decode())
    assert icon.endswith("favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == icon


def test_the_icon_is_a_static_file_and_an_svg_image():
    path = finders.find("favicon.svg")
    assert path, "static/favicon.svg is not among the static files collectstatic gathers"
    assert ElementTree.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_a_signed_in_page_names_the_same_icon(client, applicant):
    signed_out = _icon(client.get("/accounts/login/").content.decode())
    client.force_login(applicant)
    page = client.get("/declarations/")
    assert page.status_code == 200
    assert _icon(page.content.decode()) == signed_out
