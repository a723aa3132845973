from django.urls import path

from . import signin_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", signin_views.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", signin_views.otp_setup, name="otp_setup"),
    path("accounts/password/", signin_views.password_change, name="password_change"),
    path("workspace/<str:role>/", views.workspace, name="workspace"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
]
