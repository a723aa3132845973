"""``manage.py replay_draw MEETING``: recompute every recorded draw of a meeting from its seed and the pool
as it stood, and say whether each matches the stored result (exit 0: all match; 1: a mismatch)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from committees.models import Meeting
from committees.selectors import replay_draws


class Command(BaseCommand):
    help = "按记录的随机种子与专家库快照重新计算评审会议的每一次专家抽取：全部一致时退出码 0，否则退出码 1"

    def add_arguments(self, parser):
        parser.add_argument("meeting", help="评审会议编号")

    def handle(self, *args, meeting=None, **options):
        try:
            meeting = Meeting.objects.select_related("committee").get(pk=int(meeting))
        except (TypeError, ValueError, Meeting.DoesNotExist) as exc:
            raise CommandError(f"没有编号为 {meeting} 的评审会议") from exc
        replays = replay_draws(meeting)
        if not replays:
            raise CommandError(f"评审会议“{meeting}”尚无抽取记录")
        mismatches = 0
        for replay in replays:
            draw = replay.draw
            head = (f"抽取记录 {draw.pk}（{draw.group.name}，{draw.algorithm} v{draw.algorithm_version}，"
                    f"种子 {draw.seed}）")
            if replay.matches:
                self.stdout.write(f"{head}：一致，专家 {list(draw.result)}")
                continue
            mismatches += 1
            if not replay.known_algorithm:
                why = "算法或版本不是本系统所知的，无法重算"
            elif replay.recomputed is None:
                why = "按记录的快照已无法抽足人数（快照或记录被改动）"
            else:
                why = f"重算结果 {list(replay.recomputed)}，记录结果 {list(draw.result)}"
            self.stdout.write(f"{head}：不一致，{why}")
        if mismatches:
            sys.stderr.write(f"评审会议“{meeting}”共 {len(replays)} 次抽取，{mismatches} 次与记录不一致\n")
            sys.exit(1)
        self.stdout.write(f"评审会议“{meeting}”共 {len(replays)} 次抽取，全部与记录一致。")
