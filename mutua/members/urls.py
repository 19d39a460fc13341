from django.urls import path

from mutua.members import views

app_name = "members"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("demo-sign-in/", views.demo_sign_in, name="demo_sign_in"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("profile/tokens/", views.api_tokens, name="api_tokens"),
    path("networks/", views.network_list, name="network_list"),
    path("networks/<slug:slug>/", views.network_detail, name="network_detail"),
    path("networks/<slug:slug>/join/", views.network_join, name="network_join"),
    path("pods/", views.my_pods, name="my_pods"),
    path("pods/<int:pod_id>/", views.pod_detail, name="pod_detail"),
    path("pods/<int:pod_id>/join/", views.pod_join, name="pod_join"),
    path(
        "pods/<int:pod_id>/newcomers/<int:membership_id>/<str:decision>/",
        views.pod_decide,
        name="pod_decide",
    ),
]
