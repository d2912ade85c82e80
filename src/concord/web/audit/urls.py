from django.urls import path

from concord.web.audit import views

app_name = "audit"
urlpatterns = [path("", views.events, name="events")]
