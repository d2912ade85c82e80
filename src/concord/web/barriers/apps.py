from django.apps import AppConfig


class BarriersConfig(AppConfig):
    name = "concord.web.barriers"
    label = "barriers"
    verbose_name = "Barriers to adherence, actions and community resources"
