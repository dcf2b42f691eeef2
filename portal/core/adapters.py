"""django-allauth hooks: sign-up is closed except through a client invitation."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

INVITATION_SESSION_KEY = "client_invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(request.session.get(INVITATION_SESSION_KEY))
