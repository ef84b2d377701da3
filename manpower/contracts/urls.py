"""Portal pages of the contracts app (included in the portal's URL space, names in its namespace)."""

from django.urls import path

from manpower.contracts import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_new, name="contract_new"),
    path("contracts/<str:number>/", views.contract_detail, name="contract"),
    path("contracts/<str:number>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<str:number>/amend/", views.contract_amend, name="contract_amend"),
    path("contracts/<str:number>/revise/", views.contract_revise, name="contract_revise"),
    path("contracts/<str:number>/code/", views.contract_code, name="contract_code"),
    path("contracts/<str:number>/send/", views.contract_send, name="contract_send"),
    path("contracts/<str:number>/sign/", views.contract_sign, name="contract_sign"),
    path("contracts/<str:number>/change/", views.contract_change, name="contract_change"),
    path("contracts/<str:number>/reject/", views.contract_reject, name="contract_reject"),
    path("contracts/<str:number>/withdraw/", views.contract_withdraw, name="contract_withdraw"),
    path("contracts/<str:number>/end/", views.contract_end, name="contract_end"),
    path("contracts/<str:number>/v<int:seq>.pdf", views.contract_pdf, name="contract_pdf"),
    path("verify/contract", views.verify_contract, name="verify_contract"),
    path("account/claim/", views.account_claim, name="account_claim"),
    path("account/claim/code/", views.account_claim_finish, name="account_claim_finish"),
]
