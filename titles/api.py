from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from .eligibility import InvalidCase
from .selectors import eligibility_verdict


class EligibilityCheckView(APIView):
    """Run the eligibility contract (ELIGIBILITY.md) on a case; any signed-in user may call it."""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        summary="申报条件检查",
        description="输入一个案例（见 ELIGIBILITY.md），返回是否符合申报条件及逐条规则的结论；输入无效时返回 400 和 errors。",
        examples=[OpenApiExample("400", value={"errors": {"target.level": "取值无效：middle"}},
                                 response_only=True, status_codes=["400"])],
    )
    def post(self, request):
        try:
            data = request.data
        except ParseError as exc:
            return Response({"errors": {"body": f"请求体不是有效的 JSON：{exc.detail}"}}, status=400)
        try:
            return Response(eligibility_verdict(data))
        except InvalidCase as exc:
            return Response({"errors": exc.errors}, status=400)
