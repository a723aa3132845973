from django.urls import path

app_name = "titles"

urlpatterns: list = []
