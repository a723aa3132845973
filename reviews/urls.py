from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("late/", views.late, name="late"),
    path("<int:pk>/actions/<str:action>/", views.act, name="act"),
    path("<int:pk>/objections/", views.objection, name="objection"),
    path("materials/<int:material_pk>/verify/", views.verify, name="verify"),
]
