from django.urls import path, re_path

from . import views

app_name = "declarations"

urlpatterns = [
    path("", views.my_declarations, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/profile/", views.save_profile, name="save-profile"),
    re_path(r"^(?P<pk>[0-9]+)/rows/(?P<part>[a-z]+)/(?P<row>new|[0-9]+)/$", views.save_row, name="save-row"),
    path("<int:pk>/rows/<str:part>/<int:row>/delete/", views.delete_row, name="delete-row"),
    path("<int:pk>/materials/", views.upload_material, name="upload"),
    path("<int:pk>/materials/<int:material_pk>/delete/", views.delete_material, name="delete-material"),
    path("<int:pk>/actions/<str:action>/", views.act, name="act"),
    path("materials/<int:material_pk>/", views.material_file, name="material"),
]
