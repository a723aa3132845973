from django.core.management.base import BaseCommand

from outbox.services import pending_messages, sweep


class Command(BaseCommand):
    help = "把尚未完成的后台任务（如方案 PDF 生成）重新发送给 Celery worker（beat 每分钟自动执行一次）。"

    def handle(self, *args, **options):
        pending = pending_messages().count()
        sent = sweep()
        self.stdout.write(f"待发送 {pending} 个后台任务，已发送 {sent} 个。")
        if sent < pending:
            self.stderr.write("消息队列不可用或待发送过多，其余任务将在下次巡检时发送。")
