"""The one base class of refusals a user can read (STYLE.md "Errors are values the user can read").

Standard library only, so that pure rule modules may raise it too. A ``DomainError`` carries a
``code`` (stable, English, for programs), a Chinese message, the fields it concerns and a ``kind``
that the API's exception handler (``config/api.py``) maps to a status: invalid → 400,
forbidden → 403, not_found → 404, conflict → 409 (with ``detail`` and ``rule``, FLOW.md), too_large → 413.
"""

INVALID, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE = "invalid", "forbidden", "not_found", "conflict", "too_large"


class DomainError(Exception):
    code = "invalid"
    kind = INVALID
    field = "body"  # the field the message is shown beside when ``errors`` names none

    def __init__(self, message: str, *, code: str | None = None, kind: str | None = None,
                 errors: dict | None = None):
        self.message = message
        self.code = code or self.code
        self.kind = kind or self.kind
        self.errors = dict(errors) if errors else {self.field: [message]}
        super().__init__(message)

    def as_dict(self) -> dict:
        """The API body: ``{"errors": {field: messages}, "code": code}``; a conflict also carries the
        contract's ``{"detail": message, "rule": code}`` (FLOW.md, Answers)."""
        body = {"errors": self.errors, "code": self.code}
        if self.kind == CONFLICT:
            body.update(detail=self.message, rule=self.code)
        return body
