from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portal.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from portal.api import authentication  # noqa: F401 - registers the OpenAPI auth scheme
        from portal.core import navigation
        from portal.core.models import Role

        navigation.register("API tokens", "api_tokens", list(Role.values), order=95)
