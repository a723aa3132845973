"""Today's date in Asia/Shanghai, the one clock every date rule reads.

The demo may set ``ZC_TODAY`` (YYYY-MM-DD) to open the demo plan's declaration window; it is read
only when ``DEBUG`` is on, so production always runs on the real date.
"""

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    override = getattr(settings, "ZC_TODAY", None)
    if override and settings.DEBUG:
        return override
    return timezone.localdate()
