"""The operators' sync page: where each mirrored model stands, open issues, "Sync now"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from portal.core.access import has_role
from portal.core.htmx import is_fragment_request
from portal.core.models import Role
from portal.odoo.mirror import SPECS
from portal.odoo.models import SyncIssue, SyncState


def _require_operator(request: HttpRequest) -> None:
    """Operators only; everyone else gets a 404 (the page's existence is not advertised)."""
    if not (request.user.is_superuser or has_role(request.user, Role.OPERATOR)):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def sync_status(request: HttpRequest) -> HttpResponse:
    _require_operator(request)

    if request.method == "POST":
        full = request.POST.get("full") == "1"
        transaction.on_commit(lambda: _enqueue(full))
        messages.info(request, "Sync queued; this page shows its progress.")
        return redirect("odoo:sync_status")

    states = {s.model: s for s in SyncState.objects.all()}
    rows = [(spec.key, model_label(spec.model), states.get(spec.key)) for spec in SPECS]
    issues = SyncIssue.objects.filter(resolved_at__isnull=True)[:200]
    context = {"rows": rows, "issues": issues}
    if is_fragment_request(request):
        return render(request, "odoo/_sync_table.html", context)
    return render(request, "odoo/sync_status.html", context)


def model_label(model: type[Model]) -> str:
    """ "Companies", not Django's default "companys" for models without a declared plural."""
    meta = model._meta
    plural = meta.original_attrs.get("verbose_name_plural")
    if plural is None:
        singular = str(meta.verbose_name)
        if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u"):
            plural = singular[:-1] + "ies"
        elif singular.endswith(("s", "x", "ch", "sh")):
            plural = singular + "es"
        else:
            plural = singular + "s"
    return capfirst(str(plural))


def _enqueue(full: bool) -> None:
    from portal.odoo.tasks import sync_all

    sync_all.delay(full=full)
