from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "concord.web.materials"
    label = "materials"
    verbose_name = "Plain-language education material and after-visit summaries"
