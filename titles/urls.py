from django.urls import path

from . import views

app_name = "titles"

urlpatterns: list = [
    path("eligibility/", views.eligibility_check, name="eligibility"),
    path("catalogue/", views.catalogue_page, name="catalogue"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/document.pdf", views.plan_document, name="plan-document"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
]
