"""The results API: publications (the bureau's: publish, approve in bulk, record filings), objections
(anyone files one during the 公示, rate-limited per address; the bureau resolves), the current 公示 for the
public, and the yearly report's download. Reads through the gates, writes through ``reviews.services``."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.validators import mask_phone
from config.api import MAX_ID, GatedViewSet
from declarations.api import _valid

from .models import Objection, ResultApproval, ResultFiling, ResultPublication
from .results_views import report_response
from .selectors import (
    access_publication,
    access_report_plan,
    access_result_objection,
    public_entries,
    public_publications,
    publication_approvals,
    visible_publications,
    visible_result_objections,
)
from .services import (
    approve_results,
    file_result_objection,
    publish_results,
    record_filing,
    resolve_result_objection,
)
from .throttles import PublicObjectionThrottle, throttled_message


class FilingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResultFiling
        fields = ["id", "approval", "filed_with", "filing_number", "filed_on", "recorded_at"]


class ApprovalSerializer(serializers.ModelSerializer):
    filing = serializers.SerializerMethodField()

    class Meta:
        model = ResultApproval
        fields = ["id", "document_number", "approved_on", "declarations", "filing"]

    def get_filing(self, approval) -> dict | None:
        filing = getattr(approval, "filing", None) if hasattr(approval, "filing") else None
        return FilingSerializer(filing).data if filing else None


class PublicationSerializer(serializers.ModelSerializer):
    meeting_name = serializers.CharField(source="meeting.name", read_only=True)
    plan = serializers.IntegerField(source="meeting.plan_id", read_only=True)

    class Meta:
        model = ResultPublication
        fields = ["id", "meeting", "meeting_name", "plan", "starts_on", "ends_on", "working_days", "declarations",
                  "published_at"]


class PublicationDetailSerializer(PublicationSerializer):
    approvals = serializers.SerializerMethodField()

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "approvals"]

    def get_approvals(self, publication) -> list[dict]:
        return ApprovalSerializer(publication_approvals(publication), many=True).data


class PublishInput(serializers.Serializer):
    meeting = serializers.IntegerField(label="评审会议", min_value=1, max_value=MAX_ID)


class ApproveInput(serializers.Serializer):
    document_number = serializers.CharField(label="审批文号", max_length=100)
    approved_on = serializers.DateField(label="审批日期", required=False, allow_null=True)
    declarations = serializers.ListField(label="申报", child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                         max_length=5000)


class FilingInput(serializers.Serializer):
    approval = serializers.IntegerField(label="审批", min_value=1, max_value=MAX_ID)
    filed_with = serializers.CharField(label="备案机关", max_length=200)
    filing_number = serializers.CharField(label="备案编号", max_length=100)
    filed_on = serializers.DateField(label="备案日期")


class ResultPublicationViewSet(mixins.CreateModelMixin, GatedViewSet):
    """评审结果公示（人社部门）：发布已结束评审会议的评审通过人员，公示期满后批量审批，登记备案。"""

    serializer_class = PublicationSerializer
    visible = staticmethod(visible_publications)
    access_gate = staticmethod(access_publication)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("declarations")

    def get_serializer_class(self):
        return PublicationDetailSerializer if self.action == "retrieve" else PublicationSerializer

    @extend_schema(request=PublishInput, responses={201: PublicationDetailSerializer, 404: OpenApiTypes.OBJECT,
                                                    409: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        data = _valid(PublishInput, request.data)
        publication = publish_results(actor=request.user, meeting_id=data["meeting"], request=request)
        return Response(PublicationDetailSerializer(publication).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ApproveInput, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """公示期满、异议处理完毕后批量审批通过（每人经同一状态转换）；answers approved 与 refused（逐人说明）。"""
        publication = self.get_object()
        data = _valid(ApproveInput, request.data)
        approved, refused = approve_results(actor=request.user, publication_id=publication.pk,
                                            document_number=data["document_number"],
                                            approved_on=data.get("approved_on"),
                                            declaration_ids=data.get("declarations"), request=request)
        return Response({"approved": approved,
                         "refused": [{"declaration": pk, "detail": why} for pk, why in refused]})

    @extend_schema(request=FilingInput, responses={201: FilingSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def filings(self, request, pk=None):
        """登记审批结果报上级备案的机关、编号和日期。"""
        publication = self.get_object()
        data = _valid(FilingInput, request.data)
        if not publication.approvals.filter(pk=data["approval"]).exists():
            from declarations.services import InvalidInput

            raise InvalidInput({"approval": "该审批不属于本次公示"})
        filing = record_filing(actor=request.user, approval_id=data["approval"], filed_with=data["filed_with"],
                               filing_number=data["filing_number"], filed_on=data["filed_on"], request=request)
        return Response(FilingSerializer(filing).data, status=status.HTTP_201_CREATED)


class ObjectionSerializer(serializers.ModelSerializer):
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    contact_phone = serializers.SerializerMethodField()

    def get_contact_phone(self, objection) -> str:
        """遮蔽的联系电话（完整号码在人社部门的异议处理页面查看，查看留痕）。"""
        return mask_phone(objection.contact_phone) if objection.contact_phone else ""

    class Meta:
        model = Objection
        fields = ["id", "publication", "declaration", "text", "contact_name", "contact_phone", "contact_email",
                  "recorded_at", "outcome", "outcome_display", "reason", "fraud", "resolved_at"]


class ObjectionInput(serializers.Serializer):
    publication = serializers.IntegerField(label="评审结果公示", min_value=1, max_value=MAX_ID)
    declaration = serializers.IntegerField(label="被反映人", min_value=1, max_value=MAX_ID)
    text = serializers.CharField(label="反映的问题及线索", max_length=2000)
    contact_name = serializers.CharField(label="反映人姓名", max_length=50)
    contact_phone = serializers.CharField(label="联系电话", max_length=20, required=False, allow_blank=True, default="")
    contact_email = serializers.CharField(label="电子邮箱", max_length=254, required=False, allow_blank=True,
                                          default="")


class ResolveInput(serializers.Serializer):
    outcome = serializers.ChoiceField(label="处理结果", choices=[("dismissed", "不成立"), ("upheld", "成立")])
    reason = serializers.CharField(label="调查核实情况和处理理由", max_length=2000)
    fraud = serializers.BooleanField(label="查实弄虚作假", required=False, default=False)


class ResultObjectionViewSet(mixins.CreateModelMixin, GatedViewSet):
    """评审结果公示的异议：公示期间任何人可实名提出（须留电话或邮箱，按来源地址限制频率）；人社部门调查处理。"""

    serializer_class = ObjectionSerializer
    visible = staticmethod(visible_result_objections)
    access_gate = staticmethod(access_result_objection)

    def get_permissions(self):
        return [AllowAny()] if self.action == "create" else super().get_permissions()

    def get_throttles(self):
        return [PublicObjectionThrottle()] if self.action == "create" else super().get_throttles()

    def throttled(self, request, wait):
        raise Throttled(wait, detail=throttled_message(wait))

    @extend_schema(request=ObjectionInput, responses={201: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT,
                                                      429: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        data = _valid(ObjectionInput, request.data)
        objection = file_result_objection(publication_id=data["publication"], declaration_id=data["declaration"],
                                          text=data["text"], contact_name=data["contact_name"],
                                          contact_phone=data["contact_phone"], contact_email=data["contact_email"],
                                          request=request)
        return Response({"id": objection.pk, "detail": "异议已提交，人社部门将调查核实并与您联系"},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolveInput, responses={200: ObjectionSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """记录调查处理结果：不成立；或成立（该申报评审未通过，查实弄虚作假的记入诚信档案）。"""
        objection = self.get_object()
        data = _valid(ResolveInput, request.data)
        resolved = resolve_result_objection(actor=request.user, objection_id=objection.pk,
                                            upheld=data["outcome"] == "upheld", reason=data["reason"],
                                            fraud=data["fraud"], request=request)
        return Response(ObjectionSerializer(resolved).data)


class PublicResultsView(APIView):
    """正在公示的评审结果（无需登录）：姓名、工作单位、系列（专业）、层级。"""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("committee", int, required=False, description="只看该评审委员会的")],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        publications = public_publications()
        raw = request.query_params.get("committee")
        if raw not in (None, ""):
            committee = int(raw) if raw.isdigit() and 0 < int(raw) <= MAX_ID else None
            if committee is None:
                from declarations.services import InvalidInput

                raise InvalidInput({"committee": "评审委员会编号应为正整数"})
            publications = publications.filter(meeting__committee_id=committee)
        return Response([{"id": p.pk, "meeting": p.meeting.name, "committee": p.meeting.committee.name,
                          "starts_on": p.starts_on, "ends_on": p.ends_on, "entries": public_entries(p)}
                         for p in publications[:50]])


class ResultReportView(APIView):
    """年度评审结果数据报表（按评审方案）：?file=csv 或 xlsx；个人号码已遮蔽。"""

    @extend_schema(parameters=[OpenApiParameter("file", str, enum=["csv", "xlsx"], required=False)],
                   responses={(200, "text/csv"): OpenApiTypes.BINARY})
    def get(self, request, id):  # noqa: A002 - the path's {id}: the plan's
        plan = access_report_plan(request.user, id)
        return report_response(plan, request.query_params.get("file", "csv"))
