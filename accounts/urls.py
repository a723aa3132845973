from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("workspace/<str:role>/", views.workspace, name="workspace"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("audit/events/", views.audit_event_log, name="audit-events"),
    path("audit/personal-data/", views.audit_personal_data, name="audit-personal-data"),
]
