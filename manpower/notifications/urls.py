from django.urls import path

from manpower.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/contacts/", views.contacts, name="contacts"),
    path("notifications/contacts/<int:pk>/verify/", views.contact_verify, name="contact_verify"),
    path("notifications/<str:reference>/read/", views.notification_read, name="read"),
]
