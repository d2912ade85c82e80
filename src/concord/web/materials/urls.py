from django.urls import path

from concord.web.materials import patient_views, summary_portal_views, summary_views, views

app_name = "materials"
urlpatterns = [
    path("materials/", views.library_page, name="library"),
    path("materials/new/", views.material_new, name="new"),
    path("materials/<int:material_id>/", views.material_detail, name="detail"),
    path("materials/<int:material_id>/links/", views.links_edit, name="links"),
    path("materials/<int:material_id>/languages/new/", views.add_language, name="add_language"),
    path("materials/versions/<int:version_id>/edit/", views.version_edit, name="edit"),
    path("materials/revisions/<int:revision_id>/", views.revision_page, name="revision"),
    path("materials/revisions/<int:revision_id>/pdf/", views.revision_pdf, name="revision_pdf"),
    path("patients/<int:patient_id>/materials/assign/", patient_views.assign, name="assign"),
    path(
        "material-assignments/<int:assignment_id>/withdraw/",
        patient_views.withdraw,
        name="withdraw",
    ),
    path("me/materials/", patient_views.portal_list, name="portal_list"),
    path("me/materials/<int:assignment_id>/", patient_views.portal_read, name="portal_read"),
    path("me/materials/<int:assignment_id>/pdf/", patient_views.portal_pdf, name="portal_pdf"),
    # After-visit summaries: the care team ...
    path(
        "sessions/<int:session_id>/visit-summary/",
        summary_views.summary_session,
        name="summary_session",
    ),
    path(
        "sessions/<int:session_id>/visit-summary/generate/",
        summary_views.summary_generate,
        name="summary_generate",
    ),
    path(
        "visit-summaries/revisions/<int:revision_id>/",
        summary_views.summary_revision,
        name="summary_revision",
    ),
    path(
        "visit-summaries/revisions/<int:revision_id>/share/",
        summary_views.summary_share,
        name="summary_share",
    ),
    path(
        "visit-summaries/revisions/<int:revision_id>/pdf/",
        summary_views.summary_pdf,
        name="summary_pdf",
    ),
    # ... and the patient.
    path("me/visit-summaries/", summary_portal_views.portal_summaries, name="portal_summaries"),
    path(
        "me/visit-summaries/<int:summary_id>/",
        summary_portal_views.portal_summary,
        name="portal_summary",
    ),
    path(
        "me/visit-summaries/<int:summary_id>/versions/<int:number>/",
        summary_portal_views.portal_summary_version,
        name="portal_summary_version",
    ),
    path(
        "me/visit-summaries/<int:summary_id>/versions/<int:number>/pdf/",
        summary_portal_views.portal_summary_pdf,
        name="portal_summary_pdf",
    ),
]
