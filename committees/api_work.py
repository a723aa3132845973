"""The committees API at work: the meeting's life cycle (open, attendance, ballot, tally, sign-off,
close), the expert's own scores and the secret ballot, in the OpenAPI schema. Reads through the gates,
writes through ``committees.scoring`` and ``committees.voting``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import GatedViewSet
from declarations.api import _valid

from .models import BallotBox, Choice, Score, ScoreKind, Tally
from .scoring import save_score, submit_score
from .selectors import access_score, visible_scores
from .voting import (
    attendance_of,
    cast_ballot,
    close_ballot,
    close_meeting,
    open_ballot,
    open_meeting,
    record_attendance,
    sign_off_tally,
    vote_progress,
)


class TallySerializer(serializers.ModelSerializer):
    class Meta:
        model = Tally
        fields = ["declaration", "group", "eligible", "approvals", "against", "abstentions", "not_voted", "passed",
                  "reason"]


class BallotBoxSerializer(serializers.ModelSerializer):
    class Meta:
        model = BallotBox
        fields = ["members", "present", "quorum", "pass_share", "opened_at", "closed_at", "signed_off_at"]


class AttendanceInput(serializers.Serializer):
    member = serializers.IntegerField(label="评审专家", min_value=1)
    present = serializers.BooleanField(label="出席")


class BallotInput(serializers.Serializer):
    declaration = serializers.IntegerField(label="申报", min_value=1)
    choice = serializers.ChoiceField(label="表决意见", choices=Choice.choices)


class MeetingWorkMixin:
    """The secretary's steps of a meeting at work and the expert's ballot (mixed into ``MeetingViewSet``)."""

    def _meeting_answer(self, request, meeting_id, code=status.HTTP_200_OK):
        meeting = type(self).access_gate(request.user, meeting_id)
        return Response(self.get_serializer(meeting).data, status=code)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """开始评审会议（专家自此可见分配的申报）。"""
        open_meeting(actor=request.user, meeting_id=self.get_object().pk, request=request)
        return self._meeting_answer(request, pk)

    @extend_schema(methods=["POST"], request=AttendanceInput, responses={200: OpenApiTypes.OBJECT})
    @extend_schema(methods=["GET"], responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, pk=None):
        """出席情况：{"专家编号": true/false}；POST 登记一名专家出席或缺席（投票开始前，不得委托）。"""
        meeting = self.get_object()
        if request.method == "POST":
            data = _valid(AttendanceInput, request.data)
            record_attendance(actor=request.user, meeting_id=meeting.pk, member_id=data["member"],
                              present=data["present"], request=request)
        return Response({str(k): v for k, v in attendance_of(meeting).items()})

    @extend_schema(request=None, responses={201: BallotBoxSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="ballot/open")
    def open_ballot(self, request, pk=None):
        """开始无记名投票（出席人数须达到法定比例）。"""
        box = open_ballot(actor=request.user, meeting_id=self.get_object().pk, request=request)
        return Response(BallotBoxSerializer(box).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TallySerializer(many=True), 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="ballot/close")
    def close_ballot(self, request, pk=None):
        """结束投票并计票（此后不再接受选票）。"""
        tallies = close_ballot(actor=request.user, meeting_id=self.get_object().pk, request=request)
        return Response(TallySerializer(tallies, many=True).data)

    @extend_schema(request=BallotInput, responses={204: None, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def ballots(self, request, pk=None):
        """投票（无记名）：出席且未回避的本组专家对每份申报一票；答复不含任何可识别选票的信息。"""
        data = _valid(BallotInput, request.data)
        cast_ballot(actor=request.user, meeting_id=self.get_object().pk, declaration_id=data["declaration"],
                    choice=data["choice"], request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: BallotBoxSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """评委会秘书签认计票结果、出席情况和法定人数（签认后计票结果不可修改）。"""
        box = sign_off_tally(actor=request.user, meeting_id=self.get_object().pk, request=request)
        return Response(BallotBoxSerializer(box).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """结束评审会议：按签认的计票结果，各申报转入评审结果公示或评审未通过。"""
        close_meeting(actor=request.user, meeting_id=self.get_object().pk, request=request)
        return self._meeting_answer(request, pk)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def tally(self, request, pk=None):
        """计票结果（结束投票后）；投票中只给出各申报已投票人数。"""
        meeting = self.get_object()
        box = BallotBox.objects.filter(meeting=meeting).first()
        if not request.user.has_perm("committees.manage_meeting", meeting) and not request.user.has_perm(
                "committees.oversee_meeting", meeting):
            return Response({"box": BallotBoxSerializer(box).data if box else None, "tallies": []})
        return Response({"box": BallotBoxSerializer(box).data if box else None,
                         "voted": {str(k): v for k, v in vote_progress(meeting).items()},
                         "tallies": TallySerializer(meeting.tallies.order_by("group", "declaration"), many=True).data})


class ScoreSerializer(serializers.ModelSerializer):
    meeting = serializers.IntegerField(source="member.meeting_id", read_only=True)
    submitted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Score
        fields = ["id", "meeting", "declaration", "kind", "menu", "points", "comments", "comment", "updated_at",
                  "submitted_at", "submitted"]


class ScoreInput(serializers.Serializer):
    declaration = serializers.IntegerField(label="申报", min_value=1)
    kind = serializers.ChoiceField(label="评分类别", choices=ScoreKind.choices, required=False, default=ScoreKind.REVIEW)
    points = serializers.DictField(label="各维度得分", required=False, default=dict)
    comments = serializers.DictField(label="各维度评语", child=serializers.CharField(allow_blank=True), required=False,
                                     default=dict)
    comment = serializers.CharField(label="总体评语", required=False, allow_blank=True, default="", max_length=2000)


class ScoreViewSet(GatedViewSet):
    """专家本人的评分：POST 保存草稿（可多次），submit 提交后锁定；看不到其他专家的评分。"""

    serializer_class = ScoreSerializer
    visible = staticmethod(visible_scores)
    access_gate = staticmethod(access_score)

    @extend_schema(request=ScoreInput, responses={200: ScoreSerializer, 400: OpenApiTypes.OBJECT,
                                                  404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        data = _valid(ScoreInput, request.data)
        score = save_score(actor=request.user, declaration_id=data["declaration"], kind=data["kind"],
                           points=data["points"], comments=data["comments"], comment=data["comment"], request=request)
        return Response(ScoreSerializer(score).data)

    @extend_schema(request=None, responses={200: ScoreSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """提交评分（各维度须已评分；提交后不可修改）。"""
        score = self.get_object()
        score = submit_score(actor=request.user, declaration_id=score.declaration_id, kind=score.kind, request=request)
        return Response(ScoreSerializer(score).data)
