from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread count for the header, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .notifications import unread_count

    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
