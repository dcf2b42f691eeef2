from django.apps import AppConfig


class OdooConfig(AppConfig):
    name = "portal.odoo"
    label = "odoo"
    verbose_name = "Odoo gateway"
