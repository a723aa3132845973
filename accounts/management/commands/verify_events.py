"""``manage.py verify_events``: prove the event log whole (exit 0) or name the first broken event (exit 1)."""

import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.eventchain import first_break
from accounts.models import Event
from accounts.selectors import event_chain_links


class Command(BaseCommand):
    help = "校验事件日志的哈希链：完整时退出码 0；否则输出第一条断裂的事件并以退出码 1 结束"

    def handle(self, *args, **options):
        broken = first_break(event_chain_links())
        if broken is None:
            head = Event.objects.order_by("-pk").values_list("pk", "hash").first()
            tail = f"最后一条为第 {head[0]} 条，哈希 {head[1]}（记下它，日后可证明此前的日志未被改动）" if head else "尚无事件"
            self.stdout.write(f"事件日志完整：共 {Event.objects.count()} 条，哈希链无断裂；{tail}。")
            return
        event = Event.objects.select_related("actor").get(pk=broken.pk)
        sys.stderr.write(f"事件日志在第 {event.pk} 条事件处断裂（{timezone.localtime(event.created_at):%Y-%m-%d %H:%M:%S} "
                         f"{event.action} {event.object_repr}）：{broken.reason}\n")
        sys.exit(1)
