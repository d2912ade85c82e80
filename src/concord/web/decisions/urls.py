from django.urls import path

from concord.web.decisions import views

app_name = "decisions"
urlpatterns = [
    path("episodes/<int:episode_id>/decisions/new/", views.decision_new, name="new"),
    path("decisions/to-revisit/", views.decisions_to_revisit, name="to_revisit"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="detail"),
    path("decisions/<int:decision_id>/revise/", views.decision_revise, name="revise"),
    path("decisions/<int:decision_id>/history/", views.decision_history, name="history"),
    path("decisions/<int:decision_id>/pdf/", views.decision_pdf, name="pdf"),
    path("me/decisions/<int:decision_id>/", views.portal_decision, name="portal_detail"),
    path("me/decisions/<int:decision_id>/my-view/", views.portal_my_view, name="portal_edit"),
    path("me/decisions/<int:decision_id>/pdf/", views.portal_decision_pdf, name="portal_pdf"),
]
