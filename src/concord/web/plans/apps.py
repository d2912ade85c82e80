from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "concord.web.plans"
    label = "plans"
    verbose_name = "Shared plan: goals in the patient's words and agreed tasks"
