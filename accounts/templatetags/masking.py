from django import template

from accounts.validators import mask_id_number, mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def id_number_for(context, person):
    """A person's ID number: in full for that person, masked for everyone else."""
    viewer = context["request"].user
    return person.id_number if viewer.pk == person.pk else mask_id_number(person.id_number)


@register.simple_tag(takes_context=True)
def phone_for(context, person):
    viewer = context["request"].user
    return person.phone if viewer.pk == person.pk else mask_phone(person.phone)
