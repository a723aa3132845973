"""Chinese working days: statutory holidays and 调休 make-up days (../shared/spec/WORKING_DAYS.md).

Pure: ``WorkingDayCalendar`` answers from chinesecalendar for the years it covers and from the
schedules it is given for the rest, and a given schedule wins over the library for its year. A year
nobody covered raises ``YearNotCovered``, never a guess. Loading the bureau's stored schedules
(``WorkingDaySchedule``) from the database is ``titles.selectors.stored_calendar``'s job.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

SATURDAY = 5


class YearNotCovered(ValueError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(f"{year} 年的节假日安排尚未录入（chinesecalendar 不含该年，人社部门也未录入），无法计算工作日")


class ScheduleInvalid(ValueError):
    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # weekend days that are working days (调休)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays


def parse_schedule(year, holidays: Iterable, workdays: Iterable) -> YearSchedule:
    """Build a schedule from JSON-ish values, with a Chinese error naming the field on bad input."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ScheduleInvalid("year", f"年份无效：{year!r}")
    parsed = {}
    for field, values in (("holidays", holidays), ("workdays", workdays)):
        if not isinstance(values, list | tuple | set | frozenset):
            raise ScheduleInvalid(field, f"{field} 应为日期列表")
        days = set()
        for value in values:
            day = value if isinstance(value, date) else _parse_iso(field, value)
            if day.year != year:
                raise ScheduleInvalid(field, f"{field} 中的日期 {day.isoformat()} 不在 {year} 年内")
            days.add(day)
        parsed[field] = frozenset(days)
    both = parsed["holidays"] & parsed["workdays"]
    if both:
        raise ScheduleInvalid("workdays", f"{min(both).isoformat()} 不能既是节假日又是调休工作日")
    weekday_makeups = sorted(d for d in parsed["workdays"] if d.weekday() < SATURDAY)
    if weekday_makeups:
        raise ScheduleInvalid("workdays", f"调休工作日应为周末：{weekday_makeups[0].isoformat()} 本来就是工作日")
    return YearSchedule(year, parsed["holidays"], parsed["workdays"])


def _parse_iso(field: str, value) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ScheduleInvalid(field, f"{field} 中的日期格式应为 YYYY-MM-DD：{value!r}") from None


class WorkingDayCalendar:
    def __init__(self, schedules: Mapping[int, YearSchedule] | None = None):
        self._schedules = dict(schedules or {})

    def is_workday(self, day: date) -> bool:
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            return schedule.is_workday(day)
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise YearNotCovered(day.year) from None

    def add(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself not counted); n = 0 gives ``day``."""
        if n < 0:
            raise ValueError("工作日天数不能为负数")
        while n > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def count(self, start: date, end: date) -> int:
        """Working days in start..end, both ends included; 0 when end < start."""
        total, day = 0, start
        while day <= end:
            total += self.is_workday(day)
            day += timedelta(days=1)
        return total

    def publicity_end(self, start: date, n: int) -> date:
        """Last day of a 公示 of n working days starting on ``start`` (day 1 = start or the next working day)."""
        if n < 1:
            raise ValueError("公示期至少为 1 个工作日")
        first = start if self.is_workday(start) else self.add(start, 1)
        return self.add(first, n - 1)

