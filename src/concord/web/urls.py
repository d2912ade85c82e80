from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from concord.web.access_rules import public
from concord.web.api.api import api
from concord.web.clinic import views as clinic_views


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers and the database answers a query."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


# The language switcher in every page's header posts here (it sets the language cookie).
set_language_view = public(set_language)

urlpatterns = [
    path("i18n/setlang/", set_language_view, name="set_language"),
    path("", clinic_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("concord.web.accounts.urls")),
    path("audit/", include("concord.web.audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("concord.web.clinic.urls")),
    path("measures/", include("concord.web.measures.urls")),
    path("", include("concord.web.medications.urls")),
    path("", include("concord.web.alerts.urls")),
    path("", include("concord.web.plans.urls")),
    path("", include("concord.web.consent.urls")),
    path("", include("concord.web.barriers.urls")),
    path("", include("concord.web.decisions.urls")),
    path("", include("concord.web.materials.urls")),
]
