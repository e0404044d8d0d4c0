from django.contrib import admin
from django.urls import include, path

from selfcare import views

admin.site.site_header = "SelfCare"
admin.site.site_title = "SelfCare"
admin.site.index_title = "Clinician workspace"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("selfcare.api_urls")),
]
