from django.urls import path

from concord.web.medications import views

app_name = "medications"
urlpatterns = [
    path("episodes/<int:episode_id>/regimens/new/", views.regimen_new, name="regimen_new"),
    path("regimens/<int:regimen_id>/edit/", views.regimen_edit, name="regimen_edit"),
    path(
        "patients/<int:patient_id>/dispensing/upload/",
        views.dispensing_upload,
        name="dispensing_upload",
    ),
    path("regimens/<int:regimen_id>/monitor/upload/", views.monitor_upload, name="monitor_upload"),
    path("me/doses/confirm/", views.confirm_dose, name="confirm_dose"),
]
