from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "concord.web.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from concord.web.jobs import registry

        registry.import_configured_modules()
