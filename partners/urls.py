from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("company/", views.home, name="home"),
    path("company/register/", views.register, name="register"),
    path("company/details/", views.company_details, name="company-details"),
    path("company/members/", views.members, name="members"),
    path("company/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("company/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("staff/registrations/", views.staff_registration_list, name="staff-registrations"),
    path(
        "staff/registrations/<int:pk>/",
        views.staff_registration_detail,
        name="staff-registration-detail",
    ),
    path(
        "staff/registrations/<int:pk>/details/",
        views.staff_company_details,
        name="staff-company-details",
    ),
]
