from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "concord.web.alerts"
    label = "alerts"
    verbose_name = "Alerts: early-warning signals and what was done about them"

    def ready(self) -> None:
        # Registers the ``alerts.recompute_patient`` and ``alerts.recompute_all`` job kinds.
        from concord.web.alerts import jobs  # noqa: F401
