from django.apps import AppConfig


class DeliveriesConfig(AppConfig):
    name = "mutua.deliveries"
    label = "deliveries"
