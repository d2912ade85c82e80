from django.urls import path

from concord.web.plans import views_clinic as clinic
from concord.web.plans import views_portal as portal

app_name = "plans"
urlpatterns = [
    # The clinic side: clinicians of the care team write, supervisors read.
    path("episodes/<int:episode_id>/goals/new/", clinic.goal_new, name="goal_new"),
    path("goals/<int:goal_id>/", clinic.goal_detail, name="goal"),
    path("goals/<int:goal_id>/revise/", clinic.goal_revise, name="goal_revise"),
    path("goals/<int:goal_id>/answer/", clinic.goal_respond, name="goal_respond"),
    path("goals/<int:goal_id>/close/", clinic.goal_close, name="goal_close"),
    path("goals/<int:goal_id>/ratings/new/", clinic.goal_rate, name="goal_rate"),
    path("episodes/<int:episode_id>/tasks/new/<str:kind>/", clinic.task_new, name="task_new"),
    path("tasks/<int:task_id>/", clinic.task_detail, name="task"),
    path("tasks/<int:task_id>/revise/", clinic.task_revise, name="task_revise"),
    path("tasks/<int:task_id>/end/", clinic.task_end, name="task_end"),
    path("tasks/<int:task_id>/answer/", clinic.task_answer, name="task_answer"),
    path("tasks/<int:task_id>/completions/new/", clinic.task_log, name="task_log"),
    # The patient's own plan in the portal.
    path("me/plan/", portal.plan, name="portal"),
    path("me/plan/goals/new/", portal.goal_new, name="portal_goal_new"),
    path("me/plan/goals/<int:goal_id>/", portal.goal, name="portal_goal"),
    path("me/plan/goals/<int:goal_id>/answer/", portal.goal_answer, name="portal_goal_answer"),
    path("me/plan/goals/<int:goal_id>/rate/", portal.goal_rate, name="portal_goal_rate"),
    path("me/plan/tasks/<int:task_id>/", portal.task, name="portal_task"),
    path("me/plan/tasks/<int:task_id>/answer/", portal.task_answer, name="portal_task_answer"),
    path("me/plan/tasks/<int:task_id>/log/", portal.task_log, name="portal_task_log"),
]
