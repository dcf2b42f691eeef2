from __future__ import annotations

from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "portal.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from portal.core import navigation
        from portal.dashboards import metrics
        from portal.dashboards.access import KPI_ROLES, OPS_ROLES, RISK_ROLES

        navigation.register("Risk", "dashboards:risk", RISK_ROLES, order=70)
        navigation.register("KPIs", "dashboards:kpis", KPI_ROLES, order=72)
        navigation.register("Operations", "dashboards:operations", OPS_ROLES, order=90)
        metrics.register()
