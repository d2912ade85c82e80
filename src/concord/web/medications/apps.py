from django.apps import AppConfig


class MedicationsConfig(AppConfig):
    name = "concord.web.medications"
    label = "medications"
    verbose_name = "Medications: regimens, dispensing events and dose confirmations"
