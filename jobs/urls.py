from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    # learners
    path("", views.board, name="board"),
    path("<int:pk>/", views.post_detail, name="post_detail"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="my_applications"),
    path("invitations/<int:pk>/", views.invitation_answer, name="invitation_answer"),
    path("applications/<int:pk>/withdraw-consent/", views.application_revoke, name="application_revoke"),
    # employers
    path("employer/signup/", views.employer_signup, name="employer_signup"),
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/members/", views.employer_members, name="employer_members"),
    path("employer/members/<int:pk>/remove/", views.employer_member_remove, name="employer_member_remove"),
    path("employer/posts/new/", views.post_create, name="post_create"),
    path("employer/posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("employer/posts/<int:pk>/submit/", views.post_submit, name="post_submit"),
    path("employer/posts/<int:pk>/close/", views.post_close, name="post_close"),
    path("employer/posts/<int:pk>/applicants/", views.post_applicants, name="post_applicants"),
    path("employer/applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("employer/applications/<int:pk>/move/", views.application_move, name="application_move"),
    path("employer/certificates/", views.certificate_check, name="certificate_check"),
    # programme staff
    path("staff/employers/", views.staff_employers, name="staff_employers"),
    path("staff/employers/<int:pk>/", views.staff_employer, name="staff_employer"),
    path("staff/posts/", views.staff_posts, name="staff_posts"),
    path("staff/posts/<int:pk>/", views.staff_post, name="staff_post"),
    # the talent pool
    path("talent/", views.talent_profile, name="talent_profile"),
    path("talent/requests/<int:pk>/", views.contact_answer, name="contact_answer"),
    path("employer/talent/", views.talent_search, name="talent_search"),
    path("employer/talent/<int:pk>/contact/", views.contact_request, name="contact_request"),
    path("employer/contacts/", views.contact_requests, name="contact_requests"),
    # job fairs
    path("fairs/", views.fairs, name="fairs"),
    path("fairs/<int:pk>/", views.fair_detail, name="fair_detail"),
    path("fairs/manage/", views.fair_manage_list, name="fair_manage_list"),
    path("fairs/manage/new/", views.fair_create, name="fair_create"),
    path("fairs/manage/<int:pk>/", views.fair_edit, name="fair_edit"),
]
