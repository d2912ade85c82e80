from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "concord.web.decisions"
    label = "decisions"
    verbose_name = "Shared decisions, versioned"
