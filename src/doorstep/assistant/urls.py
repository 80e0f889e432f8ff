from django.urls import path

from doorstep.assistant import case_views, kb_views, views

app_name = "assistant"
urlpatterns = [
    path("", views.chat, name="chat"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("tasks/<int:pk>/take/", views.task_take, name="task_take"),
    path("cases/<int:pk>/tasks/", case_views.case_tasks_panel, name="case_tasks"),
    path("kb/", kb_views.kb_index, name="kb"),
    path("kb/edit/", kb_views.kb_edit, name="kb_edit"),
    path("kb/versions/<int:pk>/", kb_views.kb_version, name="kb_version"),
]
