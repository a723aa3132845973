from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/<str:code>/", views.verify_link, name="verify-link"),
    path("certificates/", views.certificate_list, name="list"),
    path("certificates/<int:pk>/", views.certificate_detail, name="detail"),
    path("certificates/<int:pk>/certificate.pdf", views.certificate_pdf, name="pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="revoke"),
]
