from django.urls import path

from portal.core import views

urlpatterns = [
    path("", views.home, name="home"),
]
