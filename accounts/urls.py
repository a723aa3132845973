from django.urls import path

from . import allocation_views, signin_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", signin_views.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", signin_views.otp_setup, name="otp_setup"),
    path("accounts/password/", signin_views.password_change, name="password_change"),
    path("accounts/register/", signin_views.register, name="register"),
    path("accounts/manage/", allocation_views.manage, name="manage"),
    path("accounts/manage/<int:organisation_pk>/create/", allocation_views.create, name="manage_create"),
    path("accounts/manage/<int:organisation_pk>/grant/", allocation_views.grant, name="manage_grant"),
    path("accounts/manage/memberships/<int:pk>/revoke/", allocation_views.revoke, name="manage_revoke"),
    path("accounts/manage/users/<int:pk>/reset-password/", allocation_views.reset, name="manage_reset"),
    path("accounts/manage/users/<int:pk>/reset-two-factor/", allocation_views.reset_second_factor,
         name="manage_reset_two_factor"),
    path("workspace/<str:role>/", views.workspace, name="workspace"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("audit/events/", views.audit_event_log, name="audit-events"),
    path("audit/personal-data/", views.audit_personal_data, name="audit-personal-data"),
]
