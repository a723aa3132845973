"""The certificates' API: the public verification (no sign-in, rate-limited per address) and the
certificates a signed-in user may see."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import GatedViewSet
from titles.pagination import UncountedPagination

from .models import Certificate
from .selectors import access_certificate, find_for_verification, public_view, visible_certificates
from .throttles import VerificationThrottle, throttled_message

NOT_FOUND_MESSAGE = "未找到该证书：请核对证书编号和验证码"


class VerifyView(APIView):
    """Verify a certificate by its number and verification code (as the QR code's page does)."""

    permission_classes = [AllowAny]
    throttle_classes = [VerificationThrottle]

    def throttled(self, request, wait):
        raise Throttled(wait, detail=throttled_message(wait))

    @extend_schema(
        parameters=[OpenApiParameter("number", str, required=True, description="证书编号"),
                    OpenApiParameter("code", str, required=True, description="验证码")],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                   429: OpenApiTypes.OBJECT},
        summary="证书核验",
        description="无需登录。返回证书状态（有效/已撤销，撤销时含撤销日期和原因类别）、脱敏的持证人信息和职称；"
                    "编号或验证码不符时返回 404，不说明哪一项有误。按来源地址限制频率，超出时返回 429。",
    )
    def get(self, request):
        number, code = request.query_params.get("number", "").strip(), request.query_params.get("code", "").strip()
        missing = {key: [f"请填写{label}"] for key, label, value in
                   (("number", "证书编号", number), ("code", "验证码", code)) if not value}
        if missing:
            raise ValidationError(missing)
        certificate = find_for_verification(number, code)
        if certificate is None:
            raise NotFound(NOT_FOUND_MESSAGE)
        return Response(public_view(certificate))


class CertificateSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display")
    status_display = serializers.CharField(source="get_status_display")
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "number", "verification_code", "status", "status_display", "origin", "holder_name",
                  "holder_id_masked", "series_name", "specialty_name", "level", "level_display", "title_name",
                  "committee_name", "approval_document", "approved_on", "scope", "issued_at", "sha256",
                  "revoked_at", "revocation_reason", "pdf_url"]

    def get_pdf_url(self, certificate) -> str:
        return reverse("certificates:pdf", args=[certificate.pk]) if certificate.pdf else ""


class CertificateViewSet(GatedViewSet):
    """The certificates the user may see: their own, their staff's (employer), their region's (bureau)."""

    serializer_class = CertificateSerializer
    pagination_class = UncountedPagination
    visible = visible_certificates
    access_gate = access_certificate
