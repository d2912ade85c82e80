from django.urls import path

from concord.web.barriers import directory_views, portal_views, views

app_name = "barriers"
urlpatterns = [
    # Clinicians (forms) and supervisors (reading).
    path("patients/<int:patient_id>/barriers/", views.patient_barriers, name="patient_barriers"),
    path("patients/<int:patient_id>/barriers/new/", views.barrier_new, name="barrier_new"),
    path("barriers/<int:barrier_id>/", views.barrier_detail, name="barrier"),
    path("barriers/<int:barrier_id>/status/", views.barrier_status, name="barrier_status"),
    path("barriers/<int:barrier_id>/actions/new/", views.action_new, name="action_new"),
    path(
        "barrier-actions/<int:action_id>/follow-up/",
        views.action_follow_up,
        name="action_follow_up",
    ),
    path("barriers/follow-ups/", views.follow_ups, name="follow_ups"),
    path("patients/<int:patient_id>/referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<int:referral_id>/status/", views.referral_status, name="referral_status"),
    # The clinic's community directory.
    path("community-resources/", directory_views.directory, name="directory"),
    path("community-resources/new/", directory_views.resource_new, name="resource_new"),
    path(
        "community-resources/<int:resource_id>/",
        directory_views.resource_detail,
        name="resource",
    ),
    path(
        "community-resources/<int:resource_id>/edit/",
        directory_views.resource_edit,
        name="resource_edit",
    ),
    path(
        "community-resources/<int:resource_id>/archive/",
        directory_views.resource_archive,
        name="resource_archive",
    ),
    # The patient's portal.
    path("me/barriers/", portal_views.my_barriers, name="my_barriers"),
    path(
        "me/barriers/<int:barrier_id>/no-longer/",
        portal_views.my_barrier_closed,
        name="my_barrier_closed",
    ),
    path("me/referrals/", portal_views.my_referrals, name="my_referrals"),
    path(
        "me/referrals/<int:referral_id>/",
        portal_views.my_referral_update,
        name="my_referral_update",
    ),
]
