from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_plan_document(plan_id: int) -> str:
    from .models import ReviewPlan

    try:
        return services.render_plan_document(plan_id=plan_id)
    except ReviewPlan.DoesNotExist:  # deleted draft or a rolled-back test: nothing to render
        return ""
