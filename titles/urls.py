from django.urls import path

from . import views

app_name = "titles"

urlpatterns: list = [
    path("eligibility/", views.eligibility_check, name="eligibility"),
]
