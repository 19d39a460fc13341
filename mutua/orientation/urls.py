from django.urls import path

from mutua.orientation import views

app_name = "orientation"

urlpatterns = [
    path("welcome/", views.welcome, name="welcome"),
    path("welcome/<int:pod_id>/not-now/", views.not_now, name="not_now"),
    path("welcome/emergency-contact/", views.emergency_contact, name="emergency_contact"),
    path(
        "welcome/emergency-contact/remove/",
        views.emergency_contact_remove,
        name="emergency_contact_remove",
    ),
    path(
        "members/<int:member_id>/emergency-contact/",
        views.member_emergency_contact,
        name="member_emergency_contact",
    ),
    path("pods/<int:pod_id>/welcomes/", views.pod_welcomes, name="pod_welcomes"),
    path("pods/<int:pod_id>/leave/", views.leave, name="leave"),
    path("pods/<int:pod_id>/pause/", views.pause, name="pause"),
]
