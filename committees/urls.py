from django.urls import path

from . import views, views_work

app_name = "committees"

urlpatterns = [
    path("", views.committee_list, name="list"),
    path("office/", views.office, name="office"),
    path("pools/<int:pk>/", views.pool_detail, name="pool"),
    path("experts/<int:pk>/", views.expert_detail, name="expert"),
    path("experts/<int:pk>/conflicts/", views.expert_conflict, name="expert_conflict"),
    path("experts/<int:pk>/breaches/", views.expert_breach, name="expert_breach"),
    path("experts/<int:pk>/discipline/<int:record_pk>/", views.discipline_decide, name="discipline_decide"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/groups/", views.meeting_group, name="meeting_group"),
    path("meetings/<int:pk>/assignments/", views.meeting_assign, name="meeting_assign"),
    path("meetings/<int:pk>/assignments/<int:assignment_pk>/remove/", views.meeting_unassign,
         name="meeting_unassign"),
    path("meetings/<int:pk>/draw/", views.meeting_draw, name="meeting_draw"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("mine/", views.my_meetings, name="my_meetings"),
    path("mine/<int:member_pk>/recuse/", views.recuse, name="recuse"),
    # at work: the expert's workspace, the secretary's proceedings, the bureau's indicator menu
    path("workspace/", views_work.workspace, name="workspace"),
    path("workspace/<int:declaration_pk>/", views_work.workspace_declaration, name="workspace_declaration"),
    path("workspace/<int:declaration_pk>/score/<str:kind>/", views_work.score_save, name="score_save"),
    path("workspace/<int:declaration_pk>/score/<str:kind>/submit/", views_work.score_submit, name="score_submit"),
    path("workspace/<int:declaration_pk>/vote/", views_work.vote, name="vote"),
    path("meetings/<int:pk>/proceedings/", views_work.proceedings, name="proceedings"),
    path("meetings/<int:pk>/proceedings/attendance/", views_work.proceedings_attendance,
         name="proceedings_attendance"),
    path("meetings/<int:pk>/proceedings/defence/", views_work.proceedings_defence, name="proceedings_defence"),
    path("meetings/<int:pk>/proceedings/<str:step>/", views_work.proceedings_step, name="proceedings_step"),
    path("indicators/", views_work.indicators, name="indicators"),
]
