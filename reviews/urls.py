from django.urls import path

from . import results_views, views

app_name = "reviews"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("late/", views.late, name="late"),
    path("<int:pk>/actions/<str:action>/", views.act, name="act"),
    path("<int:pk>/objections/", views.objection, name="objection"),
    path("materials/<int:material_pk>/verify/", views.verify, name="verify"),
    # results 公示: public pages (no sign-in) and the bureau's management
    path("results/", results_views.public_list, name="results_public"),
    path("results/<int:pk>/", results_views.public_detail, name="results_public_detail"),
    path("results/manage/", results_views.manage_list, name="results_manage"),
    path("results/manage/<int:pk>/", results_views.manage_detail, name="results_manage_detail"),
    path("results/manage/<int:pk>/objections/<int:objection_pk>/", results_views.resolve, name="results_resolve"),
    path("results/manage/<int:pk>/approve/", results_views.approve, name="results_approve"),
    path("results/manage/<int:pk>/filing/", results_views.filing, name="results_filing"),
    path("results/report/<int:plan_pk>.<str:fmt>", results_views.report, name="results_report"),
]
