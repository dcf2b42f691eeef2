from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "portal.staffing"
    label = "staffing"
