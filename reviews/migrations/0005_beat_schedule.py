"""The beat schedule in the database (django-celery-beat's DatabaseScheduler), written idempotently:
the outbox sweep every minute (it was settings.CELERY_BEAT_SCHEDULE), the deadline sweeps just after
midnight Asia/Shanghai with an hourly catch-up (a worker that was down at midnight catches up within
the hour; the sweeps are idempotent), and the reminders at 08:00."""

from django.db import migrations
from django.utils import timezone

TZ = "Asia/Shanghai"
CRONTABS = {
    "到期处理（每日零点后）": ("reviews.run_deadline_sweeps", {"minute": "5", "hour": "0"}),
    "到期处理（每小时补跑）": ("reviews.run_deadline_sweeps", {"minute": "35", "hour": "*"}),
    "到期提醒（每日 8 点）": ("reviews.send_deadline_reminders", {"minute": "0", "hour": "8"}),
}
OUTBOX = ("后台任务重发（每分钟）", "outbox.sweep", 60)


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, (task, when) in CRONTABS.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=when["minute"], hour=when["hour"], day_of_week="*", day_of_month="*", month_of_year="*",
            timezone=TZ)
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab,
                                                                   "interval": None, "enabled": True})
    name, task, seconds = OUTBOX
    interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
    PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "interval": interval, "crontab": None,
                                                               "enabled": True})
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[*CRONTABS, OUTBOX[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_late_steps_ready_on"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(forwards, backwards)]
