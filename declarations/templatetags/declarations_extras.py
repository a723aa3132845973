from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """A dictionary entry by key in a template: {{ labels|get_item:code }}."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
