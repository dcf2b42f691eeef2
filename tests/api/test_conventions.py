"""C14 (scoping and page-size caps), idempotent retries, server-owned fields, ETags,
problem+json, throttling and the changes feed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.api.models import ApiToken
from portal.approvals.models import Decision
from portal.milestones.models import Evidence
from tests.api.conftest import token_header

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str = "acceptance.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# -- C14: a contact of client-1 with a mobile token --------------------------------------


def test_client_contact_lists_only_own_client_milestones(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("api:milestones"), **token_header(world.people["client1"]))

    assert [m["id"] for m in response.json()["results"]] == [world.milestone1.pk]


def test_other_clients_milestone_detail_is_404(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:milestone-detail", args=[world.milestone2.pk])

    response = client.get(url, **token_header(world.people["client1"]))

    assert response.status_code == 404


def test_other_clients_milestone_sign_off_is_404(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:milestone-sign-off", args=[world.milestone2.pk])
    body = {"decision": "accepted", "typed_name": "Carla Client"}

    response = client.post(url, body, "application/json", **token_header(world.people["client1"]))

    assert response.status_code == 404


def test_evidence_for_other_clients_milestone_is_400_on_the_milestone_field(client, world) -> None:  # type: ignore[no-untyped-def]
    body = {"milestone": world.milestone2.pk, "slot": "deliverable", "files": [_pdf()]}

    response = client.post(reverse("api:evidence"), body, **token_header(world.people["client1"]))

    assert response.status_code == 400
    assert {"field": "milestone", "message": "No such milestone."} in response.json()["errors"]
    assert not Evidence.objects.exists()


def test_staffing_requests_filtered_by_other_client_never_show_its_rows(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:staffing-requests") + f"?client={world.client2.pk}"

    as_client = client.get(url, **token_header(world.people["client1"]))
    as_pm = client.get(url, **token_header(world.people["pm"]))

    assert as_client.json()["results"] == []
    assert as_pm.json()["results"] == []  # the only request is on client 1's project


@pytest.mark.parametrize("query", ["page_size=100000", "limit=100000"])
def test_oversized_page_returns_at_most_100_with_next_link(client, world, query) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:timesheets") + "?" + query

    response = client.get(url, **token_header(world.people["client1"]))

    body = response.json()
    assert len(body["results"]) == 100
    assert body["next"]
    rest = client.get(body["next"], **token_header(world.people["client1"])).json()
    assert len(rest["results"]) == 20


def test_timesheets_of_other_clients_projects_are_not_listed(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("api:timesheets"), **token_header(world.people["client2"]))

    assert response.json()["results"] == []


# -- idempotent retries ---------------------------------------------------------------


def test_retried_decision_with_same_key_decides_once(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:approval-decide", args=[world.approval.pk])
    headers = {**token_header(world.people["fin"]), "HTTP_IDEMPOTENCY_KEY": "phone-123"}

    first = client.post(url, {"decision": "approve"}, "application/json", **headers)
    retry = client.post(url, {"decision": "approve"}, "application/json", **headers)

    assert first.status_code == retry.status_code == 200
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Decision.objects.filter(request=world.approval).count() == 1


def test_same_key_with_different_body_is_422(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:approval-decide", args=[world.approval.pk])
    headers = {**token_header(world.people["fin"]), "HTTP_IDEMPOTENCY_KEY": "phone-123"}
    client.post(url, {"decision": "approve"}, "application/json", **headers)

    response = client.post(
        url, {"decision": "reject", "comment": "No"}, "application/json", **headers
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_retry_without_key_gets_a_clear_conflict(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:approval-decide", args=[world.approval.pk])
    headers = token_header(world.people["fin"])
    client.post(url, {"decision": "approve"}, "application/json", **headers)

    response = client.post(url, {"decision": "approve"}, "application/json", **headers)

    assert response.status_code == 409
    assert Decision.objects.filter(request=world.approval).count() == 1


def test_retried_upload_with_same_key_stores_the_file_once(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:milestone-evidence", args=[world.milestone1.pk])
    headers = {**token_header(world.people["pm"]), "HTTP_IDEMPOTENCY_KEY": "upload-1"}

    first = client.post(url, {"slot": "deliverable", "files": [_pdf()]}, **headers)
    retry = client.post(url, {"slot": "deliverable", "files": [_pdf()]}, **headers)

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert Evidence.objects.count() == 1


# -- server-owned fields -------------------------------------------------------------


def test_server_owned_fields_in_a_create_are_ignored(client, world) -> None:  # type: ignore[no-untyped-def]
    body = {
        "project": world.project1.pk,
        "subject": "Help",
        "description": "Please.",
        "status": "closed",
        "client_partner_id": world.client2.pk,
        "submitted_by": world.people["pm"].pk,
        "id": 999,
    }

    response = client.post(
        reverse("api:client-requests"), body, "application/json",
        **token_header(world.people["client1"]),
    )  # fmt: skip

    created = response.json()
    assert response.status_code == 201
    assert created["status"] == "new"
    assert created["id"] != 999
    from portal.clients.models import ClientRequest

    row = ClientRequest.objects.get(pk=created["id"])
    assert (row.client_partner_id, row.submitted_by_id) == (
        world.client1.pk,
        world.people["client1"].pk,
    )


def test_detail_resources_cannot_be_changed_with_put_or_patch(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:approval-detail", args=[world.approval.pk])
    headers = token_header(world.people["fin"])

    put = client.put(url, {"status": "approved"}, "application/json", **headers)
    patch = client.patch(url, {"status": "approved"}, "application/json", **headers)

    assert put.status_code == patch.status_code == 405
    world.approval.refresh_from_db()
    assert world.approval.status == "pending"


# -- ETags, errors, money, tokens, feed ------------------------------------------------


def test_detail_with_matching_if_none_match_is_304(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:project-detail", args=[world.project1.pk])
    headers = token_header(world.people["pm"])
    tag = client.get(url, **headers)["ETag"]

    response = client.get(url, HTTP_IF_NONE_MATCH=tag, **headers)

    assert response.status_code == 304


def test_money_is_a_string_with_currency(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("api:inbox"), **token_header(world.people["fin"]))

    assert response.json()["results"][0]["amount"] == {"amount": "1000.00", "currency": "EUR"}


def test_validation_errors_list_each_field(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("api:approval-decide", args=[world.approval.pk])

    response = client.post(
        url, {"decision": "maybe"}, "application/json", **token_header(world.people["fin"])
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "decision"


def test_unknown_api_path_is_problem_404(client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_revoked_token_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    headers = token_header(world.people["pm"])
    ApiToken.objects.update(revoked_at="2020-01-01T00:00:00Z")

    response = client.get(reverse("api:me"), **headers)

    assert response.status_code == 401


def test_role_removed_after_token_issued_takes_effect_at_once(client, world) -> None:  # type: ignore[no-untyped-def]
    headers = token_header(world.people["fin"])
    world.people["fin"].memberships.all().delete()

    response = client.post(
        reverse("api:approval-decide", args=[world.approval.pk]),
        {"decision": "approve"}, "application/json", **headers,
    )  # fmt: skip

    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_token_is_throttled_with_problem_429(client, world, settings) -> None:  # type: ignore[no-untyped-def]
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "token": "2/hour"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    headers = token_header(world.people["pm"])
    try:
        statuses = [client.get(reverse("api:me"), **headers).status_code for _ in range(3)]
        last = client.get(reverse("api:me"), **headers)
    finally:
        SimpleRateThrottle.THROTTLE_RATES = rates

    assert statuses == [200, 200, 429]
    assert last["Content-Type"] == "application/problem+json"
    assert "Retry-After" in last


def test_changes_feed_moves_forward_from_the_cursor(client, world) -> None:  # type: ignore[no-untyped-def]
    headers = token_header(world.people["fin"])
    first = client.get(reverse("api:changes") + "?since=0", **headers).json()
    client.post(
        reverse("api:approval-decide", args=[world.approval.pk]),
        {"decision": "approve"}, "application/json", **headers,
    )  # fmt: skip

    later = client.get(reverse("api:changes") + f"?since={first['next_since']}", **headers).json()

    assert [c["type"] for c in first["results"]] == ["approval"]
    assert later["results"]
    assert all(c["cursor"] > first["next_since"] for c in later["results"])
    assert {c["id"] for c in later["results"]} == {world.approval.pk}


def test_changes_feed_hides_other_peoples_requests(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(reverse("api:changes"), **token_header(world.people["consultant"]))

    assert response.json()["results"] == []


def test_no_false_text_in_any_list(client, world) -> None:  # type: ignore[no-untyped-def]
    headers = token_header(world.people["pm"])
    names = ["projects", "milestones", "timesheets", "staffing-requests", "client-requests"]

    bodies = [client.get(reverse(f"api:{n}"), **headers).content for n in names]

    assert all(b'"False"' not in body and b": False" not in body for body in bodies)


def test_token_page_shows_the_secret_once_and_stores_a_hash(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.people["pm"])

    response = client.post(
        reverse("api_tokens"), {"name": "Phone", "scopes": ["read"], "days": 30},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip

    page = response.content.decode()
    token = ApiToken.objects.get(name="Phone")
    secret = page.split('class="token-secret">')[1].split("<")[0]
    assert secret.startswith(f"pat_{token.prefix}_")
    assert secret not in token.token_hash
    assert "<html" not in page
    again = client.get(reverse("api_tokens")).content.decode()
    assert secret not in again


def test_docs_page_lists_every_path(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.people["pm"])

    page = client.get(reverse("api:docs")).content.decode()

    assert "/api/v1/approvals/{id}/decide/" in page
    assert "Idempotency-Key" in page
