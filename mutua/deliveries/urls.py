from django.urls import path

from mutua.deliveries import views

app_name = "deliveries"

urlpatterns = [
    path("pods/<int:pod_id>/runs/", views.run_list, name="run_list"),
    path("pods/<int:pod_id>/runs/new/", views.run_create, name="run_create"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/stops/", views.stop_add, name="stop_add"),
    path("runs/<int:run_id>/drivers/", views.driver_add, name="driver_add"),
    path("runs/<int:run_id>/plan/", views.run_plan, name="run_plan"),
    path("runs/<int:run_id>/done/", views.run_done, name="run_done"),
    path("runs/<int:run_id>/my-route/", views.route_sheet, name="route_sheet"),
    path("runs/<int:run_id>/my-route/print/", views.route_sheet_print, name="route_sheet_print"),
    path("runs/<int:run_id>/my-route/pdf/", views.route_sheet_pdf, name="route_sheet_pdf"),
]
