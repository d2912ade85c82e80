from django.urls import path

from concord.web.clinic import views

app_name = "clinic"
urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("patients/new/", views.patient_new, name="patient_new"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient"),
    path("episodes/<int:episode_id>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
    path("observer/sessions/", views.observer_sessions, name="observer_sessions"),
    path("me/", views.portal, name="portal"),
]
