from django.urls import path

from mutua.agreements import views

app_name = "agreements"

# <kind> is "pod" or "network"; anything else is not found.
urlpatterns = [
    path("agreements/<str:kind>/<int:owner_id>/", views.agreement_detail, name="detail"),
    path("agreements/<str:kind>/<int:owner_id>/sign/", views.agreement_sign, name="sign"),
    path("agreements/<str:kind>/<int:owner_id>/review/", views.agreement_review, name="review"),
    path("agreements/<str:kind>/<int:owner_id>/print/", views.agreement_print, name="print"),
    path("agreements/<str:kind>/<int:owner_id>/versions/", views.version_list, name="versions"),
    path(
        "agreements/<str:kind>/<int:owner_id>/versions/<int:number>/",
        views.version_detail,
        name="version",
    ),
    path("agreements/<str:kind>/<int:owner_id>/diff/", views.version_diff, name="diff"),
]
