from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "concord.web.consent"
    label = "consent"
    verbose_name = "Consent records and supporters, by scope"
