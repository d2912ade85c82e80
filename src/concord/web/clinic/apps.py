from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "concord.web.clinic"
    label = "clinic"
    verbose_name = "Clinic: teams, patients, care episodes and sessions"
