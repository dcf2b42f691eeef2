"""The delivery-operations portal: governed workflows on top of Odoo."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
