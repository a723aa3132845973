"""The declaration API of FLOW.md: declarations, their versions, material kinds, materials, actions."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import GatedViewSet

from .flow import State
from .models import ROUTES, Declaration, DeclarationVersion, Material
from .selectors import (
    access_declaration,
    available_actions,
    declaration_materials,
    declaration_versions,
    kinds_for,
    visible_declarations,
)
from .services import InvalidInput, add_material, start_declaration, take_action


def open_correction(declaration):
    from reviews.selectors import open_correction as find

    return find(declaration)


def _valid(serializer_class, data) -> dict:
    """The validated body, or 400 with ``{"errors": {field: "中文说明"}}`` (FLOW.md, Answers)."""
    form = serializer_class(data=data)
    if not form.is_valid():
        raise InvalidInput({key: "；".join(map(str, value)) for key, value in form.errors.items()})
    return form.validated_data


class DeclarationSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    series = serializers.CharField(source="series.name", read_only=True)
    specialty_name = serializers.CharField(source="specialty.name", read_only=True, default="")
    employer_name = serializers.CharField(source="employer.name", read_only=True)
    applicant_name = serializers.CharField(source="applicant.real_name", read_only=True)
    actions = serializers.SerializerMethodField()
    return_items = serializers.SerializerMethodField()
    return_deadline = serializers.SerializerMethodField()
    returned_from = serializers.SerializerMethodField()

    class Meta:
        model = Declaration
        fields = ["id", "plan", "year", "series", "specialty", "specialty_name", "level", "route",
                  "green_channel_reference", "employer", "employer_name", "applicant_name", "state",
                  "state_display", "version", "actions", "return_items", "return_deadline", "returned_from",
                  "created_at", "updated_at", "submitted_at", "expired_on"]

    def get_actions(self, declaration) -> list[str]:
        return available_actions(self.context["request"].user, declaration)

    def _notice(self, declaration):
        if declaration.state != State.RETURNED:
            return None
        cache = self.context.setdefault("_notices", {})
        if declaration.pk not in cache:
            cache[declaration.pk] = open_correction(declaration)
        return cache[declaration.pk]

    def get_return_items(self, declaration) -> list[dict] | None:
        return _return_fields(self._notice(declaration))["return_items"]

    def get_return_deadline(self, declaration) -> str | None:
        return _return_fields(self._notice(declaration))["return_deadline"]

    def get_returned_from(self, declaration) -> str | None:
        return _return_fields(self._notice(declaration))["returned_from"]


def _return_fields(notice) -> dict:
    """The open correction notice's fields of a declaration (all None when there is none)."""
    return {"return_items": notice.items if notice else None,
            "return_deadline": notice.deadline.isoformat() if notice else None,
            "returned_from": notice.returned_from if notice else None}


_MOMENT, _DAY = serializers.DateTimeField(), serializers.DateField()  # DRF's formats, as the serializer's fields


def declaration_data(declaration, user) -> dict:
    """``DeclarationSerializer(declaration).data`` for one declaration, made by hand: DRF builds the fields of a
    ModelSerializer anew for every instance, ≈ 1 ms of CPU for the one declaration an action answers with. The
    same keys, order and values (tested); the OpenAPI schema stays the serializer's."""
    specialty, stamp = declaration.specialty, _MOMENT.to_representation
    return {
        "id": declaration.pk, "plan": declaration.plan_id, "year": declaration.year,
        "series": declaration.series.name, "specialty": declaration.specialty_id,
        "specialty_name": specialty.name if specialty is not None else "", "level": declaration.level,
        "route": declaration.route, "green_channel_reference": declaration.green_channel_reference,
        "employer": declaration.employer_id, "employer_name": declaration.employer.name,
        "applicant_name": declaration.applicant.real_name, "state": declaration.state,
        "state_display": declaration.get_state_display(), "version": declaration.version,
        "actions": available_actions(user, declaration),
        **_return_fields(open_correction(declaration) if declaration.state == State.RETURNED else None),
        "created_at": stamp(declaration.created_at), "updated_at": stamp(declaration.updated_at),
        "submitted_at": stamp(declaration.submitted_at), "expired_on": _DAY.to_representation(declaration.expired_on),
    }


class StartDeclarationSerializer(serializers.Serializer):
    plan = serializers.IntegerField(label="评审方案", min_value=1)
    level = serializers.CharField(label="申报层级", max_length=20)
    specialty = serializers.IntegerField(label="专业", min_value=1, required=False, allow_null=True)
    route = serializers.ChoiceField(label="申报渠道", choices=ROUTES, default="regular")
    green_channel_reference = serializers.CharField(label="一事一议批准文号", max_length=200, required=False,
                                                    allow_blank=True, default="")


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeclarationVersion
        fields = ["number", "action", "snapshot", "created_at"]


class MaterialKindSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()


class MaterialSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Material
        fields = ["id", "kind", "name", "size", "sha256", "content_type", "uploaded_at"]


class MaterialUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(label="材料类别", max_length=40)
    file = serializers.FileField(label="文件", allow_empty_file=True)




class DeclarationViewSet(mixins.CreateModelMixin, GatedViewSet):
    """Declarations the signed-in user may see (FLOW.md, Resources)."""

    serializer_class = DeclarationSerializer
    visible = staticmethod(visible_declarations)
    access_gate = staticmethod(access_declaration)

    def get_queryset(self):
        queryset = super().get_queryset()
        state = self.request.query_params.get("state")
        if state:
            if state not in State.values:
                raise InvalidInput({"state": f"状态无效：{state}；可选：{'、'.join(State.values)}"})
            queryset = queryset.filter(state=state)
        return queryset

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=State.values, description="按状态筛选")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StartDeclarationSerializer,
                   responses={201: DeclarationSerializer, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    def create(self, request, *args, **kwargs):
        data = _valid(StartDeclarationSerializer, request.data)
        declaration = start_declaration(actor=request.user, plan_id=data["plan"], level=data["level"],
                                        route=data["route"], specialty_id=data.get("specialty"),
                                        green_channel_reference=data["green_channel_reference"], request=request)
        body = DeclarationSerializer(declaration, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """每次提交（及补正后重新提交）的版本，不可更改，按先后排列。"""
        declaration = self.get_object()
        return Response(VersionSerializer(declaration_versions(declaration), many=True).data)

    @extend_schema(responses=MaterialKindSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="material-kinds")
    def material_kinds(self, request, pk=None):
        """本申报需要的材料类别（来自规则库，按系列）。"""
        declaration = self.get_object()
        return Response([kind.as_dict() for kind in kinds_for(declaration)])

    @extend_schema(methods=["GET"], responses=MaterialSerializer(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": MaterialUploadSerializer},
                   responses={201: MaterialSerializer, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT,
                              413: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def materials(self, request, pk=None):
        """上传材料（PDF、JPEG、PNG，按内容检查），或列出已上传的材料。"""
        declaration = self.get_object()
        if request.method == "GET":
            return Response(MaterialSerializer(declaration_materials(declaration), many=True).data)
        data = _valid(MaterialUploadSerializer, request.data)
        material = add_material(actor=request.user, declaration_id=declaration.pk, kind=data["kind"],
                                upload=data["file"], request=request)
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OpenApiTypes.OBJECT,
                   responses={200: DeclarationSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT,
                              409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<code>[a-z_]+)")
    def actions(self, request, pk=None, code=None):
        """办理一项操作（submit、withdraw……）：状态不允许或规则不满足时 409，并给出规则代码。"""
        payload = request.data if isinstance(request.data, dict) else {}
        # take_action is its own transaction (an outer one only added a savepoint: two round trips a request)
        declaration = take_action(actor=request.user, declaration_id=pk, action=code, payload=payload, request=request)
        return Response(declaration_data(declaration, request.user))  # DeclarationSerializer's JSON, made by hand


class VerifySerializer(serializers.Serializer):
    verdict = serializers.CharField(label="审查结论", max_length=20)
    comment = serializers.CharField(label="意见", max_length=500, required=False, allow_blank=True, default="")


class VerificationSerializer(serializers.Serializer):
    material = serializers.IntegerField(source="material_id")
    verdict = serializers.CharField()
    verdict_display = serializers.CharField(source="get_verdict_display")
    comment = serializers.CharField()
    signer_name = serializers.CharField()
    signed_at = serializers.DateTimeField()


class MaterialVerifyView(APIView):
    """POST /api/v1/materials/{id}/verify/: 属实 / 与原件相符 / 有误, signed by the system."""

    @extend_schema(request=VerifySerializer, responses={201: VerificationSerializer, 400: OpenApiTypes.OBJECT,
                                                        404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
                   summary="审查一份材料")
    def post(self, request, pk):
        from reviews.services import verify_material

        data = _valid(VerifySerializer, request.data)
        row = verify_material(actor=request.user, material_id=pk, verdict=data["verdict"],
                              comment=data["comment"], request=request)
        return Response(VerificationSerializer(row).data, status=status.HTTP_201_CREATED)
