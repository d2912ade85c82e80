from django.contrib.admin.apps import AdminConfig


class ConcordAdminConfig(AdminConfig):
    default_site = "concord.web.admin_site.ConcordAdminSite"
