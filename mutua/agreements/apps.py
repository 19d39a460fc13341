from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "mutua.agreements"
    label = "agreements"
