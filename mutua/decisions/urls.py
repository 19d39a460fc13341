from django.urls import path

from mutua.decisions import views

app_name = "decisions"

urlpatterns = [
    # <kind> is "pod" or "network"; anything else is not found.
    path(
        "decisions/<str:kind>/<int:owner_id>/proposals/",
        views.proposal_list,
        name="proposal_list",
    ),
    path(
        "decisions/<str:kind>/<int:owner_id>/proposals/new/",
        views.proposal_create,
        name="proposal_create",
    ),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:proposal_id>/vote/", views.proposal_vote, name="proposal_vote"),
    path(
        "proposals/<int:proposal_id>/offline-vote/",
        views.proposal_offline_vote,
        name="proposal_offline_vote",
    ),
    path("proposals/<int:proposal_id>/close/", views.proposal_close, name="proposal_close"),
    path("meetings/pod/<int:pod_id>/", views.meeting_list, name="meeting_list"),
    path("meetings/pod/<int:pod_id>/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/agenda/", views.meeting_agenda_add, name="meeting_agenda_add"),
    path(
        "meetings/<int:meeting_id>/agenda/<int:item_id>/remove/",
        views.meeting_agenda_remove,
        name="meeting_agenda_remove",
    ),
    path("meetings/<int:meeting_id>/record/", views.meeting_record, name="meeting_record"),
]
