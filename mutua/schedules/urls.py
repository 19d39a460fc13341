from django.urls import path

from mutua.schedules import views

app_name = "schedules"

urlpatterns = [
    path("pods/<int:pod_id>/roles/", views.role_list, name="role_list"),
    path("pods/<int:pod_id>/roles/new/", views.role_create, name="role_create"),
    path("pods/<int:pod_id>/workload/", views.pod_workload, name="pod_workload"),
    path("roles/<int:role_id>/", views.role_detail, name="role_detail"),
    path("roles/<int:role_id>/take-on/", views.role_take_on, name="role_take_on"),
    path("roles/<int:role_id>/trained/", views.role_trained, name="role_trained"),
    path("roles/<int:role_id>/step-down/", views.role_step_down, name="role_step_down"),
    path("networks/<int:network_id>/roles/", views.network_role_list, name="network_role_list"),
    path(
        "networks/<int:network_id>/roles/new/",
        views.network_role_create,
        name="network_role_create",
    ),
    path("shifts/<int:shift_id>/", views.shift_detail, name="shift_detail"),
    path("shifts/<int:shift_id>/swap/", views.shift_swap, name="shift_swap"),
    # One URL per state change, POST only; each calls exactly one service.
    path("shifts/<int:shift_id>/<str:action>/", views.shift_action, name="shift_action"),
    path("swaps/<int:swap_id>/<str:action>/", views.swap_answer, name="swap_answer"),
    path("commitments/", views.my_commitments, name="my_commitments"),
    path("commitments/pause/", views.my_pause, name="my_pause"),
    path("commitments/capacity/", views.my_capacity, name="my_capacity"),
    path("commitments/calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
