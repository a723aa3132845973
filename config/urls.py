from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from certificates import api as certificates_api
from committees import api as committees_api
from committees import api_work as committees_api_work
from declarations import api as declarations_api
from reviews import api as reviews_api
from titles import api as titles_api

router = DefaultRouter()
router.register("organisations", accounts_api.OrganisationViewSet, basename="organisation")
router.register("plans", titles_api.ReviewPlanViewSet, basename="plan")
router.register("declarations", declarations_api.DeclarationViewSet, basename="declaration")
router.register("meetings", committees_api.MeetingViewSet, basename="meeting")
router.register("draws", committees_api.DrawViewSet, basename="draw")
router.register("assignments", committees_api.AssignmentViewSet, basename="assignment")
router.register("scores", committees_api_work.ScoreViewSet, basename="score")
router.register("result-publications", reviews_api.ResultPublicationViewSet, basename="result-publication")
router.register("result-objections", reviews_api.ResultObjectionViewSet, basename="result-objection")
router.register("certificates", certificates_api.CertificateViewSet, basename="certificate")

admin.site.site_header = "职称申报评审平台 · 管理后台"
admin.site.site_title = "职称申报评审平台"


def favicon(request):
    """Browsers ask for /favicon.ico where a response names no icon (a PDF, an image): the site's icon, which every
    page links (layout.html), instead of a 404 page made through every middleware."""
    from accounts.templatetags.site_urls import fixed_static

    return redirect(fixed_static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/me/", accounts_api.me, name="api-me"),
    path("api/v1/eligibility/check", titles_api.EligibilityCheckView.as_view(), name="api-eligibility-check"),
    path("api/v1/materials/<int:pk>/verify/", declarations_api.MaterialVerifyView.as_view(),
         name="api-material-verify"),
    path("api/v1/result-publicity/", reviews_api.PublicResultsView.as_view(), name="api-result-publicity"),
    path("api/v1/result-reports/<int:id>/", reviews_api.ResultReportView.as_view(), name="api-result-report"),
    path("api/v1/certificates/verify/", certificates_api.VerifyView.as_view(), name="api-certificate-verify"),
    path("api/v1/", include(router.urls)),
    path("titles/", include("titles.urls")),
    path("declarations/", include("declarations.urls")),
    path("reviews/", include("reviews.urls")),
    path("committees/", include("committees.urls")),
    path("", include("certificates.urls")),
    path("", include("accounts.urls")),
]

handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.page_not_found"
handler500 = "config.error_views.server_error"
