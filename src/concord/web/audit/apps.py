from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "concord.web.audit"
    label = "audit"
    verbose_name = "Audit trail"
