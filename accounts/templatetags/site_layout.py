"""``{% site_layout %}…{% endsite_layout %}``: a Django-template page inside the site's layout, which is Jinja2
(``templates/jinja2/layout.html``, ``config/jinja.py``). ``templates/base.html`` holds the tag with the layout's
blocks (title, head, nav, content, scripts); a page extends ``base.html`` and fills them as before. Each block is
rendered here, by Django, with the page's context, and handed to the layout as text (``parts``); the layout reads
the same user, messages, unread count and CSRF token as the page, from the page's context (none of them when a
page is rendered without a request: the 503 page while the database is down)."""

from django import template
from django.template.loader import get_template
from django.template.loader_tags import BlockNode

from config.jinja import CsrfInput

register = template.Library()

_SHARED = ("user", "messages", "unread_notifications")  # the layout's names that the context processors give


class SiteLayoutNode(template.Node):
    child_nodelists = ("nodelist",)  # so that {% extends %} finds the blocks inside

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.blocks = [node for node in nodelist if isinstance(node, BlockNode)]

    def render(self, context):
        values = {"parts": {block.name: block.render(context) for block in self.blocks}}
        for name in _SHARED:
            if name in context:
                values[name] = context[name]
        token = context.get("csrf_token")
        if token is not None and token != "NOTPROVIDED":  # as {% csrf_token %} writes it
            values["csrf_token"], values["csrf_input"] = token, CsrfInput(token)
        return get_template("django_layout.html", using="jinja2").template.render(values)


@register.tag
def site_layout(parser, token):
    nodelist = parser.parse(("endsite_layout",))
    parser.delete_first_token()
    return SiteLayoutNode(nodelist)
