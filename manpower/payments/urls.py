"""Portal pages of the payments app (included in the portal's URL space)."""

from django.urls import path

from manpower.payments import views

urlpatterns = [
    path("payments/", views.invoice_list, name="payments"),
    path("payments/invoices/<str:number>/", views.invoice_detail, name="invoice"),
    path("payments/invoices/<str:number>/pay/", views.invoice_pay, name="invoice_pay"),
    path("payments/delegations/", views.delegations, name="payment_delegations"),
    path("payments/delegations/<int:pk>/revoke/", views.delegation_revoke, name="payment_delegation_revoke"),
    path("payments/reconciliation/", views.reconciliation_list, name="reconciliations"),
    path("payments/reconciliation/<str:day>/", views.reconciliation_detail, name="reconciliation"),
    path("payments/<str:reference>/", views.payment_detail, name="payment"),
    path("payments/<str:reference>/return/", views.payment_return, name="payment_return"),
    path("payments/<str:reference>/refresh/", views.payment_refresh, name="payment_refresh"),
    path("payments/<str:reference>/receipt.pdf", views.payment_receipt, name="payment_receipt"),
    path("payments/<str:reference>/refund/", views.payment_refund, name="payment_refund"),
]
