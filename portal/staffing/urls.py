from __future__ import annotations

from django.urls import path

from portal.staffing import views

app_name = "staffing"
urlpatterns = [
    path("", views.board, name="board"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/book/", views.book, name="book"),
    path("requests/<int:pk>/placeholder/", views.placeholder, name="placeholder"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("mine/", views.my_assignments, name="my_assignments"),
    path("capacity/", views.capacity, name="capacity"),
    path("capacity/<int:profile_id>/<str:week>/", views.capacity_cell, name="capacity_cell"),
]
