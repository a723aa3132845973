class UnreadBadge:
    """The header's unread count as the text it shows ("" when nothing is unread: the badge is left out), counted
    on first use, so a page that does not show it never counts. Text, not a number behind ``SimpleLazyObject``:
    the number went through Django's number formatting and the lazy proxy twice a page, ≈ 4 % of a declaration's
    page, for the same digits."""

    __slots__ = ("_text", "_user")

    def __init__(self, user):
        self._user, self._text = user, None

    def _shown(self) -> str:
        if self._text is None:
            from .notifications import unread_count

            self._text = str(unread_count(self._user) or "")
        return self._text

    def __bool__(self) -> bool:
        return bool(self._shown())

    def __str__(self) -> str:
        return self._shown()

    def badge(self):
        """The header's badge: the count in its ``<span>``, or nothing when nothing is unread."""
        from markupsafe import Markup, escape

        text = self._shown()
        return Markup(f'<span class="badge" aria-label="未读 {escape(text)} 条">{escape(text)}</span>') if text else Markup()


def notifications(request):
    """The unread count for the header (``UnreadBadge``), counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadBadge(user)}
