from django.urls import path

from concord.web.consent import portal_views, staff_views, supporter_views

app_name = "consent"
urlpatterns = [
    # The patient, in the portal.
    path("me/consents/", portal_views.my_consents, name="my_consents"),
    path("me/consents/decide/", portal_views.my_consent_decide, name="my_consent_decide"),
    path("me/supporters/", portal_views.my_supporters, name="my_supporters"),
    path("me/supporters/new/", portal_views.my_supporter_new, name="my_supporter_new"),
    path("me/supporters/<int:link_id>/", portal_views.my_supporter, name="my_supporter"),
    path(
        "me/supporters/<int:link_id>/invitation/",
        portal_views.my_supporter_invitation,
        name="my_supporter_invitation",
    ),
    path(
        "me/supporters/<int:link_id>/end/", portal_views.my_supporter_end, name="my_supporter_end"
    ),
    path("me/who-has-looked/", portal_views.my_access_history, name="my_access_history"),
    # The supporter.
    path("supporting/", supporter_views.supporting, name="supporting"),
    path("supporting/<int:link_id>/", supporter_views.supported_patient, name="supported_patient"),
    path(
        "supporting/<int:link_id>/observations/",
        supporter_views.observation_new,
        name="observation_new",
    ),
    path("supporting/join/<str:token>/", supporter_views.join, name="join"),
    # The care team.
    path(
        "patients/<int:patient_id>/consents/", staff_views.patient_consents, name="patient_consents"
    ),
    path(
        "patients/<int:patient_id>/consents/record/",
        staff_views.consent_record,
        name="consent_record",
    ),
    path("supporter-links/<int:link_id>/end/", staff_views.link_end, name="link_end"),
]
