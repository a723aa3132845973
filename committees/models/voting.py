"""The secret ballot (无记名投票, 人社部令第40号): attendance, who has voted, the ballots and the tally.

Secrecy by design. ``VoterRoll`` says who has voted on which declaration; ``Ballot`` holds choices and
nothing that could lead back to an expert: no key to a member or user, no timestamp, a random UUID4 as
its key (no insertion order), and when the ballot closes every ballot of the meeting is rewritten in a
random order with new keys in one transaction (``committees.voting.close_ballot``), so neither the
row's position nor its inserting transaction links it to the roll row written beside it.
"""

import uuid

from django.conf import settings
from django.db import models


class Attendance(models.Model):
    """A drawn member present or absent at the meeting (no proxy: only the member counts)."""

    meeting = models.ForeignKey("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                related_name="attendance")
    member = models.ForeignKey("committees.MeetingMember", verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="attendance")
    present = models.BooleanField("出席")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", auto_now=True)

    class Meta:
        verbose_name = "出席情况"
        verbose_name_plural = "出席情况"
        ordering = ["meeting", "member"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_attendance_per_member")]

    def __str__(self):
        return f"{self.member} · {'出席' if self.present else '缺席'}"


class BallotBox(models.Model):
    """The meeting's vote: opened with the quorum as it stood, closed, and signed off by the secretary."""

    meeting = models.OneToOneField("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                   related_name="ballot_box")
    members = models.PositiveSmallIntegerField("评审专家人数")
    present = models.PositiveSmallIntegerField("出席人数")
    quorum = models.CharField("法定人数比例", max_length=20)
    pass_share = models.CharField("通过比例", max_length=20)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开启人", on_delete=models.PROTECT,
                                  related_name="+")
    opened_at = models.DateTimeField("开始投票")
    closed_at = models.DateTimeField("结束投票", null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签认人", on_delete=models.PROTECT,
                                      related_name="+", null=True, blank=True)
    signed_off_at = models.DateTimeField("签认时间", null=True, blank=True)

    class Meta:
        verbose_name = "投票"
        verbose_name_plural = "投票"

    def __str__(self):
        return f"{self.meeting} · 投票"


class VoterRoll(models.Model):
    """Who has voted on which declaration (never what)."""

    meeting = models.ForeignKey("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                related_name="voter_roll")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="+")
    member = models.ForeignKey("committees.MeetingMember", verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = "投票登记"
        verbose_name_plural = "投票登记"
        constraints = [models.UniqueConstraint(fields=["meeting", "declaration", "member"], name="one_vote_each")]

    def __str__(self):
        return f"{self.member} 已投票（{self.declaration_id} 号申报）"


class Choice(models.TextChoices):
    FOR = "for", "同意"
    AGAINST = "against", "不同意"
    ABSTAIN = "abstain", "弃权"


class Ballot(models.Model):
    """One secret ballot: the meeting, the declaration and the choice; nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                related_name="+")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="+")
    choice = models.CharField("表决意见", max_length=10, choices=Choice.choices)

    class Meta:
        verbose_name = "选票"
        verbose_name_plural = "选票"
        # no ordering: there is no order to give

    def __str__(self):
        return "选票"


class Tally(models.Model):
    """The count for one declaration: approvals among the attending, unrecused experts of its group, and the
    verdict with the rule applied. Written when the ballot closes; immutable once signed off."""

    meeting = models.ForeignKey("committees.Meeting", verbose_name="评审会议", on_delete=models.PROTECT,
                                related_name="tallies")
    declaration = models.ForeignKey("declarations.Declaration", verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="tallies")
    group = models.ForeignKey("committees.MeetingGroup", verbose_name="评审组", on_delete=models.PROTECT,
                              related_name="+")
    eligible = models.PositiveSmallIntegerField("应投票人数", help_text="出席且未回避的评审专家")
    approvals = models.PositiveSmallIntegerField("同意")
    against = models.PositiveSmallIntegerField("不同意")
    abstentions = models.PositiveSmallIntegerField("弃权")
    not_voted = models.PositiveSmallIntegerField("未投票")
    passed = models.BooleanField("评审通过")
    reason = models.CharField("结论说明", max_length=300)

    class Meta:
        verbose_name = "计票结果"
        verbose_name_plural = "计票结果"
        ordering = ["meeting", "group", "declaration"]
        constraints = [models.UniqueConstraint(fields=["meeting", "declaration"], name="one_tally_per_declaration")]

    def __str__(self):
        return f"{self.declaration_id} 号申报：同意 {self.approvals}/{self.eligible}"

    def save(self, *args, **kwargs):
        if self._signed():
            raise PermissionError("计票结果已签认，不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._signed():
            raise PermissionError("计票结果已签认，不可删除")
        super().delete(*args, **kwargs)

    def _signed(self) -> bool:
        return BallotBox.objects.filter(meeting_id=self.meeting_id, signed_off_at__isnull=False).exists()
