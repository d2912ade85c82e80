"""Printable PDFs from the same HTML templates the pages use (WeasyPrint).

Charts are inline SVG, so a PDF shows the same picture as the page. WeasyPrint never reaches
the network: stylesheets and images under ``STATIC_URL`` are read from the static-file
finders, and any other URL is refused.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

PDF_STYLESHEET = "concord/print.css"


def _static_fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        """Serves ``STATIC_URL`` paths from the static-file finders; refuses anything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = urlparse(url).path
            prefix = "/" + settings.STATIC_URL.lstrip("/")
            found = finders.find(path[len(prefix) :]) if path.startswith(prefix) else None
            if not isinstance(found, str):
                raise ValueError(f"PDFs load only the project's static files, not {url!r}")
            with open(found, "rb") as handle:
                body = handle.read()
            kind = "text/css" if found.endswith(".css") else "application/octet-stream"
            if found.endswith(".svg"):
                kind = "image/svg+xml"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    return StaticOnly(fail_on_errors=True)


def render_pdf(template_name: str, context: dict[str, Any], request: HttpRequest | None) -> bytes:
    """The template rendered to HTML, then to PDF bytes."""
    from weasyprint import HTML  # imported here: only PDF views pay its start-up cost

    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url="http://concord.invalid/", url_fetcher=_static_fetcher())
    return bytes(document.write_pdf())


def pdf_response(
    template_name: str, context: dict[str, Any], request: HttpRequest | None, filename: str
) -> HttpResponse:
    """A PDF download (``Content-Disposition: attachment``) named ``filename``.pdf."""
    response = HttpResponse(
        render_pdf(template_name, context, request), content_type="application/pdf"
    )
    safe = slugify(filename) or "document"
    response["Content-Disposition"] = f'attachment; filename="{safe}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
