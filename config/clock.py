"""Today's date in Asia/Shanghai, the one clock every date rule reads.

Two ways to move it, both for demos and tests, never for production:
- ``ZC_TODAY`` (YYYY-MM-DD), read only when ``DEBUG`` is on: the demo site pretends today is a day
  inside the demo plan's declaration window;
- ``frozen(day)``, a context manager for code that builds demo data as of a given day.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.conf import settings
from django.utils import timezone

_frozen: ContextVar[date | None] = ContextVar("frozen_today", default=None)


def today() -> date:
    frozen_day = _frozen.get()
    if frozen_day is not None:
        return frozen_day
    override = getattr(settings, "ZC_TODAY", None)
    if override and settings.DEBUG:
        return override
    return timezone.localdate()


@contextmanager
def frozen(day: date):
    token = _frozen.set(day)
    try:
        yield day
    finally:
        _frozen.reset(token)
