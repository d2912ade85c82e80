from django.urls import path

from concord.web.alerts import views

app_name = "alerts"
urlpatterns = [
    path("alerts/<int:alert_id>/", views.alert_detail, name="detail"),
]
