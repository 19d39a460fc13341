from django.urls import path

from mutua.exchange import views

app_name = "exchange"

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/edit/", views.request_edit, name="request_edit"),
    # Before request_action, whose <str:action> would otherwise swallow "messages".
    path("requests/<int:request_id>/messages/", views.message_post, name="message_post"),
    path("requests/<int:request_id>/propose/", views.propose, name="propose"),
    # One URL per state change, POST only; each calls exactly one service.
    path("requests/<int:request_id>/<str:action>/", views.request_action, name="request_action"),
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:offer_id>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:offer_id>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
    path("offers/<int:offer_id>/answer/", views.offer_answer, name="offer_answer"),
    path("me/", views.my_activity, name="my_activity"),
    path("me/invitations/", views.invitation_list, name="invitations"),
    path(
        "invitations/<int:invitation_id>/<str:answer>/",
        views.invitation_answer,
        name="invitation_answer",
    ),
    path("me/could-help/", views.could_help, name="could_help"),
    path("me/helping/", views.helping_profile, name="helping_profile"),
    path("networks/<slug:slug>/suggestions/", views.suggestion_list, name="suggestions"),
    path("networks/<slug:slug>/suggestions/propose-all/", views.propose_all, name="propose_all"),
]
