from django.urls import path

from . import staff_views, views

app_name = "challenges"

urlpatterns = [
    # Partner side: the company's own end customers, claims, points, academy and trainings.
    path("company/customers/", views.customer_list, name="customer-list"),
    path("company/customers/new/", views.customer_create, name="customer-create"),
    path("company/customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("company/claims/", views.claim_list, name="claim-list"),
    path("company/claims/new/", views.claim_choose, name="claim-choose"),
    path("company/claims/new/<slug:code>/", views.claim_create, name="claim-create"),
    path("company/claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("company/claims/<int:pk>/answer/", views.claim_answer, name="claim-answer"),
    path("company/claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim-withdraw"),
    path("company/claims/<int:pk>/evidence/", views.claim_evidence, name="claim-evidence"),
    path("company/statement/", views.statement, name="statement"),
    path("company/academy/", views.academy, name="academy"),
    path("company/trainings/", views.redemption_list, name="redemption-list"),
    # Staff side.
    path("staff/claims/", staff_views.queue, name="staff-queue"),
    path("staff/claims/bulk-approve/", staff_views.bulk_approve, name="staff-bulk-approve"),
    path("staff/claims/contradicted/", staff_views.contradicted, name="staff-contradicted"),
    path("staff/claims/<int:pk>/", staff_views.claim_review, name="staff-claim"),
    path("staff/claims/<int:pk>/evidence/", staff_views.claim_evidence, name="staff-evidence"),
    path("staff/exclusions/", staff_views.exclusions, name="staff-exclusions"),
    path("staff/academy/", staff_views.academy, name="staff-academy"),
    path("staff/trainings/", staff_views.redemptions, name="staff-redemptions"),
]
