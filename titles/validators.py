"""The dates and years the platform accepts: 1950..2100, as the eligibility contract (README,
"Choices where the contracts are silent"). A date outside would overflow the calendar arithmetic."""

from django.core.exceptions import ValidationError

from .eligibility.facts import MAX_YEAR, MIN_YEAR


def date_in_range(value) -> bool:
    return value is None or MIN_YEAR <= value.year <= MAX_YEAR


def validate_accepted_date(value) -> None:
    if not date_in_range(value):
        raise ValidationError(f"日期超出可受理的范围：{value}（应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间）",
                              code="date_out_of_range")


def validate_accepted_year(value) -> None:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError(f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间，实际为 {value}", code="year_out_of_range")
