from django.db import models


class OutboxMessage(models.Model):
    """Work a service hands to the Celery worker, written in the same transaction as the change.

    Sent after commit; a periodic sweep re-sends what is not done (the broker was down, the worker
    died), so committed work is never lost. The handler marks it done; a done message is never run
    again, and handlers themselves are idempotent (a message may be delivered twice).
    """

    kind = models.CharField("类型", max_length=100, help_text="处理函数的名称，见 outbox.services.HANDLERS")
    payload = models.JSONField("参数", default=dict)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("最近发送时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField("执行次数", default=0)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["kind", "done_at"])]

    def __str__(self):
        state = "已完成" if self.done_at else "待完成"
        return f"{self.kind} #{self.pk}（{state}）"
