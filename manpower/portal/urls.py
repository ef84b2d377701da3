from django.contrib.auth import views as auth_views
from django.urls import include, path

from manpower.permits import views as permits
from manpower.portal import employer, views
from manpower.portal import officer as officer_pages
from manpower.portal import public as public_pages
from manpower.portal import worker as worker_pages
from manpower.support import views as support_pages

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("apply/", employer.apply_start, name="apply"),
    path("apply/<uuid:draft>/discard/", employer.apply_discard, name="apply_discard"),
    path("apply/<uuid:draft>/<slug:step>/", employer.apply_step, name="apply_step"),
    path("bulk/", employer.bulk_upload, name="bulk_upload"),
    path("establishments/<str:cr_number>/users/", employer.establishment_users, name="establishment_users"),
    path("applications/", permits.application_list, name="applications"),
    path("applications/new/", permits.application_new, name="application_new"),
    path("applications/<str:number>/", permits.application_detail, name="application"),
    path("applications/<str:number>/withdraw/", permits.application_withdraw, name="application_withdraw"),
    path("applications/<str:number>/consent/", permits.application_consent, name="application_consent"),
    path("applications/<str:number>/decide/", permits.officer_decide, name="officer_decide"),
    path("applications/<str:number>/override/", permits.officer_override, name="officer_override"),
    path("applications/<str:number>/payment/", permits.invoice_record_payment, name="invoice_payment"),
    path("review/", permits.review_queue, name="review_queue"),
    path("permits/<str:number>/", permits.permit_detail, name="permit"),
    path("permits/<str:number>/card.pdf", permits.permit_card, name="permit_card"),
    path("verify", permits.verify_page, name="verify"),
    path("check/", public_pages.assess_start, name="assess"),
    path("check/result", public_pages.assess_result, name="assess_result"),
    path("rules/", public_pages.rules, name="rules"),
    path("status/", public_pages.service_status, name="status"),
    path("me/", worker_pages.my_record, name="my_record"),
    path("me/activity/", worker_pages.activity_log, name="my_activity"),
    path("me/activity/<int:seq>/dispute/", worker_pages.dispute_entry, name="dispute_entry"),
    path("officer/search/", officer_pages.search, name="search"),
    path("officer/establishments/<str:cr_number>/", officer_pages.establishment_profile, name="establishment_profile"),
    path("support/disputes/", support_pages.dispute_queue, name="dispute_queue"),
    path("support/disputes/<str:number>/", support_pages.dispute_detail, name="dispute_detail"),
    path("", include("manpower.payments.urls")),
    path("", include("manpower.contracts.urls")),
]
