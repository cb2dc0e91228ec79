from django.urls import path

from . import views

app_name = "studio"

urlpatterns = [
    path("", views.home, name="home"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/import/", views.course_import, name="course_import"),
    path("courses/<int:pk>/", views.outline, name="outline"),
    path("courses/<int:pk>/edit/", views.revision_open, name="revision_open"),
    path("courses/<int:pk>/outline/", views.outline_change, name="outline_change"),
    path("courses/<int:pk>/details/", views.course_details, name="course_details"),
    path("courses/<int:pk>/quizzes/<str:key>/questions/", views.question_add, name="question_add"),
    path("courses/<int:pk>/questions/<str:key>/", views.question_edit, name="question_edit"),
    path("courses/<int:pk>/submit/", views.submit, name="submit"),
    path("courses/<int:pk>/lessons/<str:key>/", views.lesson, name="lesson"),
    path("courses/<int:pk>/lessons/<str:key>/media/", views.lesson_media, name="lesson_media"),
    path("courses/<int:pk>/export/", views.export, name="export"),
    path("courses/<int:pk>/export.zip", views.export_zip, name="export_zip"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("review/<int:pk>/send-back/", views.send_back, name="send_back"),
    path("review/<int:pk>/publish/", views.publish, name="publish"),
]
