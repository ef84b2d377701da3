from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from manpower.api.main import api
from manpower.core import views as core_views
from manpower.notifications import views as notification_views
from manpower.permits import views as permit_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path(".well-known/jwks.json", permit_views.jwks, name="jwks"),
    path("notifications/receipts/<str:provider>", notification_views.receipt, name="notification_receipt"),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("manpower.notifications.urls")),
    path("", include("manpower.portal.urls")),
    prefix_default_language=False,
)
