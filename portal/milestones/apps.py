from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "portal.milestones"
    label = "milestones"
