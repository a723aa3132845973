"""The beat schedule is data written by migrations (reviews/0004_beat_schedule), not edited in the
console: django-celery-beat's own ModelAdmins are not gated (accounts/admin_base.py), so they are
taken out of the admin site."""

from django.contrib import admin
from django_celery_beat import models as beat

for model in (beat.PeriodicTask, beat.IntervalSchedule, beat.CrontabSchedule, beat.SolarSchedule,
              beat.ClockedSchedule):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
