from celery import shared_task

from . import services


@shared_task(name=services.DELIVER_TASK, acks_late=True)
def deliver(message_id: int) -> bool:
    return services.deliver(message_id=message_id)


@shared_task(name="outbox.sweep", ignore_result=True)
def sweep() -> int:
    return services.sweep()
