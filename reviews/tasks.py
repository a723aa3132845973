"""Beat tasks of the deadline sweeps (schedule in the database: migration reviews/0005_beat_schedule).
Thin: each reads today's date (Asia/Shanghai) and runs registered sweeps (reviews/deadlines)."""

from celery import shared_task

from config.clock import today


def _summary(results) -> dict:
    return {sweep.code: result.total for sweep, result in results}


@shared_task(name="reviews.run_deadline_sweeps", ignore_result=True)
def run_deadline_sweeps() -> dict:
    from .deadlines import SWEEP, run_group

    return _summary(run_group(today(), SWEEP))


@shared_task(name="reviews.send_deadline_reminders", ignore_result=True)
def send_deadline_reminders() -> dict:
    from .deadlines import REMINDER, run_group

    return _summary(run_group(today(), REMINDER))


@shared_task(name="reviews.run_sweep", ignore_result=True)
def run_sweep(code: str) -> int:
    from .deadlines import run_sweep as run

    return run(code, today()).total
