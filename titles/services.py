"""Writes that mean something in titles: holiday schedules, plan publication and amendments."""

from django.db import transaction

from accounts.services import record_event

from .models import WorkingDaySchedule
from .workdays import parse_schedule


@transaction.atomic
def store_schedule(*, actor, year, holidays, workdays, source: str = "", reason: str = "") -> WorkingDaySchedule:
    """Store (or replace) one year's holiday schedule; the history keeps every earlier entry."""
    schedule = parse_schedule(year, holidays, workdays)
    entry = WorkingDaySchedule.objects.select_for_update().filter(year=year).first()
    before = "" if entry is None else f"{len(entry.holidays)} 节假日 / {len(entry.workdays)} 调休"
    entry = entry or WorkingDaySchedule(year=year)
    entry.holidays = sorted(d.isoformat() for d in schedule.holidays)
    entry.workdays = sorted(d.isoformat() for d in schedule.workdays)
    entry.source = source or entry.source
    entry._change_reason = reason
    entry.save()
    record_event(actor=actor, action="store_holiday_schedule", obj=entry, from_state=before,
                 to_state=f"{len(entry.holidays)} 节假日 / {len(entry.workdays)} 调休", comment=reason)
    return entry
