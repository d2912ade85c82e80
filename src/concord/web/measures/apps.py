from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "concord.web.measures"
    label = "measures"
    verbose_name = "Measures: plans, administrations, scores and safety alerts"

    def ready(self) -> None:
        # Registers the ``measures.generate_due`` job kind with the worker's registry.
        from concord.web.measures import jobs  # noqa: F401
