from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from concord.web.access_rules import public
from concord.web.accounts.language import SUPPORTED, remember_choice
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


@public
@never_cache
@require_GET
def choose_language(request: HttpRequest, code: str) -> HttpResponse:
    """The language links in every page's header: keep the choice, go back to the page.

    A plain link rather than Django's POST-only ``set_language`` form: a form would put a
    fresh CSRF token in every page, so two 404 pages could never be byte-identical (they
    must be, to give no hint which record or link exists). Changing one's own display
    language is harmless, so a GET may do it.
    """
    if code not in SUPPORTED:
        raise Http404
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return remember_choice(HttpResponseRedirect(back), code)


urlpatterns = [
    path("language/<str:code>/", choose_language, name="choose_language"),
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
