from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from config.api import GatedViewSet

from .models import Organisation
from .selectors import access_organisation, visible_organisations


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "kind_display", "parent", "region_code", "sector", "is_active"]


class OrganisationViewSet(GatedViewSet):
    """Organisations the signed-in user may see; another organisation's detail answers 403."""

    serializer_class = OrganisationSerializer
    filterset_fields = ["kind", "region_code", "sector"]
    visible = visible_organisations
    access_gate = access_organisation


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    real_name = serializers.CharField()
    id_number = serializers.CharField(help_text="本人可见完整号码")
    phone = serializers.CharField()
    roles = serializers.ListField(child=serializers.DictField())


@extend_schema(responses=MeSerializer, summary="当前用户")
@api_view(["GET"])
def me(request):
    """The signed-in user: their own data unmasked, and their roles."""
    user = request.user
    roles = [
        {"role": m.role, "role_display": m.get_role_display(), "organisation": m.organisation_id,
         "organisation_name": m.organisation.name}
        for m in user.memberships()
    ]
    return Response(MeSerializer({"username": user.username, "real_name": user.real_name,
                                  "id_number": user.id_number, "phone": user.phone, "roles": roles}).data)
