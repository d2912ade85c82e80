from django.urls import path

from concord.web.measures import views

app_name = "measures"
urlpatterns = [
    path("episodes/<int:episode_id>/plans/new/", views.plan_new, name="plan_new"),
    path("episodes/<int:episode_id>/alliance/", views.alliance_view, name="alliance"),
    path("administrations/<int:administration_id>/", views.administration, name="administration"),
    path("administrations/<int:administration_id>/link/", views.link_new, name="link_new"),
    path("to-rate/", views.to_rate, name="to_rate"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("agreement/", views.agreement, name="agreement"),
    path("m/<str:token>/", views.signed, name="signed"),
]
