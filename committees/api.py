"""The committees API: meetings (with their groups), assignments and draws (with the replay's verdict),
in the OpenAPI schema. Reads come through the gates; writes through ``committees.services``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import GatedViewSet
from declarations.api import _valid

from .api_work import MeetingWorkMixin
from .models import Assignment, Draw, Meeting, MeetingGroup, MeetingMethod
from .selectors import (
    access_assignment,
    access_draw,
    access_meeting,
    meeting_draws,
    replay_draw,
    visible_assignments,
    visible_draws,
    visible_meetings,
)
from .services import add_group, assign_declarations, create_meeting, draw_experts


class GroupSerializer(serializers.ModelSerializer):
    specialty_name = serializers.CharField(source="specialty.name", read_only=True, default="")

    class Meta:
        model = MeetingGroup
        fields = ["id", "name", "level", "specialty", "specialty_name", "directed", "pass_rate_percent", "size"]


class MeetingSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    groups = GroupSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "plan", "committee", "committee_name", "name", "held_on", "place", "online", "methods",
                  "status", "status_display", "opened_at", "closed_at", "groups"]


class MeetingInput(serializers.Serializer):
    plan = serializers.IntegerField(label="评审方案", min_value=1)
    name = serializers.CharField(label="会议名称", max_length=200)
    held_on = serializers.DateField(label="会议日期")
    place = serializers.CharField(label="会议地点", max_length=200, required=False, allow_blank=True, default="")
    online = serializers.BooleanField(label="网络评审", required=False, default=False)
    methods = serializers.ListField(label="评审方式", child=serializers.ChoiceField(choices=MeetingMethod.choices),
                                    min_length=1, max_length=len(MeetingMethod.values))


class GroupInput(serializers.Serializer):
    name = serializers.CharField(label="组名", max_length=100)
    level = serializers.CharField(label="评审层级", max_length=20)
    size = serializers.IntegerField(label="抽取专家人数", min_value=1, max_value=99)
    specialty = serializers.IntegerField(label="专业", min_value=1, required=False, allow_null=True)
    directed = serializers.BooleanField(label="双定向评审组", required=False, default=False)
    pass_rate_percent = serializers.IntegerField(label="通过率上限（%）", min_value=0, max_value=100, required=False,
                                                 allow_null=True)


class AssignmentSerializer(serializers.ModelSerializer):
    applicant_name = serializers.CharField(source="declaration.applicant.real_name", read_only=True)
    employer_name = serializers.CharField(source="declaration.employer.name", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "meeting", "group", "declaration", "applicant_name", "employer_name", "assigned_at"]


class AssignInput(serializers.Serializer):
    group = serializers.IntegerField(label="评审组", min_value=1)
    declarations = serializers.ListField(label="申报", child=serializers.IntegerField(min_value=1), min_length=1,
                                         max_length=500)


class DrawSerializer(serializers.ModelSerializer):
    drawn_by_name = serializers.CharField(source="drawn_by.real_name", read_only=True)
    replay = serializers.SerializerMethodField()

    class Meta:
        model = Draw
        fields = ["id", "meeting", "group", "seed", "algorithm", "algorithm_version", "snapshot", "result",
                  "drawn_by_name", "drawn_at", "replay"]

    def get_replay(self, draw) -> dict:
        """按记录的种子与快照重算：matches 是否与记录一致，recomputed 重算结果。"""
        replay = replay_draw(draw)
        return {"matches": replay.matches, "recomputed": list(replay.recomputed) if replay.recomputed else None}


class MeetingViewSet(MeetingWorkMixin, mixins.CreateModelMixin, GatedViewSet):
    """评审会议：评委会秘书安排、设置评审组、分配申报、抽取专家；人社部门查看本地区的；专家只看会议开始后本人参加的。"""

    serializer_class = MeetingSerializer
    visible = staticmethod(visible_meetings)
    access_gate = staticmethod(access_meeting)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("groups__specialty").order_by("-held_on", "-pk")

    @extend_schema(request=MeetingInput, responses={201: MeetingSerializer, 400: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        data = _valid(MeetingInput, request.data)
        meeting = create_meeting(actor=request.user, plan_id=data["plan"], name=data["name"], held_on=data["held_on"],
                                 place=data["place"], online=data["online"], methods=data["methods"], request=request)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GroupInput, responses={201: GroupSerializer, 400: OpenApiTypes.OBJECT,
                                                  409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def groups(self, request, pk=None):
        """设置评审组（会议抽取专家之前）。"""
        meeting = self.get_object()
        data = _valid(GroupInput, request.data)
        group = add_group(actor=request.user, meeting_id=meeting.pk, name=data["name"], level=data["level"],
                          size=data["size"], specialty_id=data.get("specialty"), directed=data["directed"],
                          pass_rate_percent=data.get("pass_rate_percent"), request=request)
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=AssignmentSerializer(many=True))
    @extend_schema(methods=["POST"], request=AssignInput,
                   responses={201: AssignmentSerializer(many=True), 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post"])
    def assignments(self, request, pk=None):
        """分配到本次会议的申报（评委会评审阶段；每份申报至多在一个未结束的会议中）。"""
        meeting = self.get_object()
        if request.method == "GET":
            rows = visible_assignments(request.user).filter(meeting=meeting)
            return Response(AssignmentSerializer(rows, many=True).data)
        data = _valid(AssignInput, request.data)
        created = assign_declarations(actor=request.user, meeting_id=meeting.pk, group_id=data["group"],
                                      declaration_ids=data["declarations"], request=request)
        return Response(AssignmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: DrawSerializer(many=True), 400: OpenApiTypes.OBJECT,
                                            409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """按评审组随机抽取专家（自动回避；人数须符合规则库），并记录种子、算法与当时的专家库。"""
        meeting = self.get_object()
        draws = draw_experts(actor=request.user, meeting_id=meeting.pk, request=request)
        return Response(DrawSerializer(draws, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=DrawSerializer(many=True))
    @action(detail=True, methods=["get"])
    def draws(self, request, pk=None):
        """本次会议的抽取记录，各附重算核对结果。"""
        meeting = self.get_object()
        return Response(DrawSerializer(visible_draws(request.user).filter(pk__in=meeting_draws(meeting).values("pk")),
                                       many=True).data)


class DrawViewSet(GatedViewSet):
    """专家抽取记录（评委会秘书和人社部门可见），各附重算核对结果。"""

    serializer_class = DrawSerializer
    visible = staticmethod(visible_draws)
    access_gate = staticmethod(access_draw)


class AssignmentViewSet(GatedViewSet):
    """评审分配：评委会秘书和人社部门可见本会议的；专家只见会议开始后本组的。"""

    serializer_class = AssignmentSerializer
    visible = staticmethod(visible_assignments)
    access_gate = staticmethod(access_assignment)
