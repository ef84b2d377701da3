from django.contrib.auth import views as auth_views
from django.urls import include, path

from manpower.permits import views as permits
from manpower.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
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
    path("", include("manpower.payments.urls")),
    path("", include("manpower.contracts.urls")),
]
