from django.urls import path

from mutua.groups import views

app_name = "groups"

urlpatterns = [
    path("networks/<int:network_id>/groups/", views.group_list, name="group_list"),
    path("networks/<int:network_id>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:group_id>/", views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/join/", views.group_join, name="group_join"),
    path("groups/<int:group_id>/leave/", views.group_leave, name="group_leave"),
    path("groups/<int:group_id>/appoint/", views.group_appoint, name="group_appoint"),
    path("groups/<int:group_id>/roles/new/", views.group_role_create, name="group_role_create"),
    path(
        "groups/<int:group_id>/proposals/new/",
        views.group_proposal_create,
        name="group_proposal_create",
    ),
]
