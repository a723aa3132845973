from dataclasses import asdict

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import GatedViewSet

from .documents import citation
from .models import PlanAmendment, PlanPhase, ReviewPlan
from .pagination import InvalidPage, UncountedPagination, page_number
from .plan_rules import PHASE_LABELS
from .selectors import (
    access_plan,
    eligibility_verdict,
    kept_rulebook,
    plan_api_page,
    plan_citations,
    plan_document_name,
    plan_document_pending,
    plan_problems,
    visible_plans,
)
from .services import amend_plan, publish_plan
from .throttles import PublicEligibilityThrottle, throttled_message
from .validators import validate_accepted_date


class EligibilityCheckView(APIView):
    """Run the eligibility contract on a case; public, signed-out callers rate-limited per address."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicEligibilityThrottle]

    def throttled(self, request, wait):
        raise Throttled(wait, detail=throttled_message(wait))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT},
        summary="申报条件检查",
        description="输入一个案例，返回是否符合申报条件及逐条规则的结论；输入无效时返回 400 和 errors。"
                    "无需登录；未登录时按来源地址限制频率，超出时返回 429。",
        examples=[OpenApiExample("400", value={"errors": {"target.level": "取值无效：middle"}},
                                 response_only=True, status_codes=["400"])],
    )
    def post(self, request):
        # InvalidCase: 400 by config.api's handler; the rulebook kept in the process while no layer changed
        return Response(eligibility_verdict(request.data, rulebook_in_force=kept_rulebook))


# --- annual review plans -------------------------------------------------------------------------


class PlanPhaseSerializer(serializers.ModelSerializer):
    # a method field, not source="get_kind_display": DRF inspects a callable source's signature for every
    # phase, which was a third of the plans API's time (bench/pages/, README.md 速度)
    kind_display = serializers.SerializerMethodField()

    def get_kind_display(self, phase) -> str:
        return PHASE_LABELS.get(phase.kind, phase.kind)

    class Meta:
        model = PlanPhase
        fields = ["kind", "kind_display", "start", "end"]


class PlanAmendmentSerializer(serializers.ModelSerializer):
    document_status = serializers.SerializerMethodField(help_text="修订后的方案文本（PDF）：“PDF 生成中”或“已生成”")

    class Meta:
        model = PlanAmendment
        fields = ["number", "reason", "before", "after", "created_at", "document_status"]

    def get_document_status(self, amendment) -> str:
        return "PDF 生成中" if plan_document_pending(amendment.plan) else "已生成"


class ReviewPlanSerializer(serializers.ModelSerializer):
    phases = serializers.SerializerMethodField()
    amendments = PlanAmendmentSerializer(many=True, read_only=True)
    series_name = serializers.CharField(source="series.name", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    document_status = serializers.SerializerMethodField(help_text="方案文本（PDF）：“PDF 生成中”“已生成”，草稿为空")

    class Meta:
        model = ReviewPlan
        fields = ["id", "year", "name", "organisation", "committee", "committee_name", "series", "series_name",
                  "levels", "document_number", "issued_on", "status", "published_at", "phases", "amendments",
                  "document_status"]

    def get_document_status(self, plan) -> str:
        if plan.status != ReviewPlan.Status.PUBLISHED:
            return ""
        return "PDF 生成中" if plan_document_pending(plan) else "已生成"

    @extend_schema_field(PlanPhaseSerializer(many=True))
    def get_phases(self, plan) -> list[dict]:
        """What PlanPhaseSerializer gives, as plain dicts: a list of 20 plans has 160 phases, and a nested
        serializer per phase was a quarter of the list's time (README.md, 速度)."""
        return [{"kind": p.kind, "kind_display": PHASE_LABELS.get(p.kind, p.kind), "start": p.start.isoformat(),
                 "end": p.end.isoformat()} for p in plan.phases.all()]


class PhaseDatesSerializer(serializers.Serializer):
    start = serializers.DateField(label="开始日期", validators=[validate_accepted_date])
    end = serializers.DateField(label="结束日期", validators=[validate_accepted_date])


class AmendPlanSerializer(serializers.Serializer):
    reason = serializers.CharField(label="修订理由", max_length=2000)
    issued_on = serializers.DateField(label="印发日期", required=False, validators=[validate_accepted_date])
    phases = serializers.DictField(child=PhaseDatesSerializer(), required=False, label="阶段")

    def validate_phases(self, value):
        unknown = [kind for kind in value if kind not in PHASE_LABELS]
        if unknown:
            raise serializers.ValidationError(f"未知的阶段：{'、'.join(unknown)}；可选：{'、'.join(PHASE_LABELS)}")
        return value


_DATE, _DATETIME = serializers.DateField(), serializers.DateTimeField()


def _date(value, field=_DATE):
    return None if value is None else field.to_representation(value)


def _pending(plan: dict, amendments: list) -> bool:
    """plan_document_pending from plain rows: a published plan whose PDF of its current version is not there."""
    return (plan["status"] == ReviewPlan.Status.PUBLISHED
            and plan["document"] != plan_document_name(plan["pk"], len(amendments)))


def plan_list_data(plan: dict, phases: list, amendments: list) -> dict:
    """What ReviewPlanSerializer gives for a plan, from the plain rows of ``plan_api_page`` (the list of 20
    plans with 160 phases through nested serializers was most of the API list's time; README.md, 速度).
    tests/titles/test_page_queries.py holds the two equal."""
    status = "PDF 生成中" if _pending(plan, amendments) else "已生成"
    return {
        "id": plan["pk"], "year": plan["year"], "name": plan["name"], "organisation": plan["organisation_id"],
        "committee": plan["committee_id"], "committee_name": plan["committee__name"], "series": plan["series_id"],
        "series_name": plan["series__name"], "levels": plan["levels"], "document_number": plan["document_number"],
        "issued_on": _date(plan["issued_on"]), "status": plan["status"],
        "published_at": _date(plan["published_at"], _DATETIME),
        "phases": [{"kind": p["kind"], "kind_display": PHASE_LABELS.get(p["kind"], p["kind"]),
                    "start": str(p["start"]), "end": str(p["end"])} for p in phases],  # ISO dates
        "amendments": [{"number": a["number"], "reason": a["reason"], "before": a["before"], "after": a["after"],
                        "created_at": _date(a["created_at"], _DATETIME),
                        "document_status": status} for a in amendments],
        "document_status": status if plan["status"] == ReviewPlan.Status.PUBLISHED else "",
    }


class ReviewPlanViewSet(GatedViewSet):
    """Published plans for everyone signed in; drafts for the issuing bureau's reviewers."""

    # Refusals of the services (PlanError) become 400/409 with their code in config.api's handler.

    serializer_class = ReviewPlanSerializer
    filterset_fields = ["year", "status", "series"]
    visible = visible_plans
    access_gate = access_plan
    pagination_class = UncountedPagination  # 20 a page; no COUNT(*) over every plan

    def list(self, request, *args, **kwargs):
        """The list without filters (the common request) from three prepared statements and plain rows
        (``plan_api_page``, ``plan_list_data``); with ``year``, ``status`` or ``series`` through the filters
        and ReviewPlanSerializer. The schema is ReviewPlanSerializer's either way."""
        if set(request.query_params) - {"page"}:
            return super().list(request, *args, **kwargs)
        try:
            page, phases, amendments = plan_api_page(request.user, number=page_number(request.query_params.get("page")))
        except InvalidPage as exc:
            raise NotFound(str(exc)) from exc
        self.paginator.use_page(page, request)
        return self.paginator.get_paginated_response(
            [plan_list_data(plan, phases.get(plan["pk"], []), amendments.get(plan["pk"], [])) for plan in page.rows])

    @extend_schema(request=None, responses={200: ReviewPlanSerializer, 400: OpenApiTypes.OBJECT,
                                            409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """发布方案：违反任一评审日历规则时返回 400，并逐条列出规则、说明与依据；已发布的返回 409。"""
        plan = self.get_object()
        publish_plan(actor=request.user, plan_id=plan.pk, request=request)
        return Response(ReviewPlanSerializer(self.get_object()).data)

    @extend_schema(request=AmendPlanSerializer, responses={201: PlanAmendmentSerializer, 400: OpenApiTypes.OBJECT,
                                                           409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """修订已发布的方案（记录修订前后内容与理由）；草稿方案返回 409。"""
        plan = self.get_object()
        form = AmendPlanSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        amendment = amend_plan(
            actor=request.user, plan_id=plan.pk, reason=data["reason"], issued_on=data.get("issued_on"),
            phases={k: (v["start"], v["end"]) for k, v in data.get("phases", {}).items()}, request=request,
        )
        return Response(PlanAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def problems(self, request, pk=None):
        """方案当前违反的评审日历规则（为空表示可以发布）。"""
        plan = self.get_object()
        citations = plan_citations(plan)
        return Response({"problems": [{**asdict(p), "document": citation(citations, p.rule)}
                                      for p in plan_problems(plan)]})
