from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "mutua.decisions"
    label = "decisions"
