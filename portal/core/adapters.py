"""django-allauth hooks: sign-up is closed except through a client invitation."""

from __future__ import annotations

from typing import Any, Protocol

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.forms import BaseForm
from django.http import HttpRequest

INVITATION_SESSION_KEY = "client_invitation_token"


class SignupInvitations(Protocol):
    """What the app that issues invitations tells allauth (core knows no such app)."""

    def is_valid(self, request: HttpRequest) -> bool: ...

    def clean_email(self, request: HttpRequest, email: str) -> str: ...

    def after_signup(self, request: HttpRequest, user: Any) -> None: ...


_invitations: list[SignupInvitations] = []


def register_signup_invitations(handler: SignupInvitations) -> None:
    """Called once from the clients app's ready(); sign-up then follows its invitations."""
    _invitations[:] = [handler]


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        if not request.session.get(INVITATION_SESSION_KEY):
            return False
        return all(handler.is_valid(request) for handler in _invitations)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        request = getattr(self, "request", None)
        if request is not None and request.session.get(INVITATION_SESSION_KEY):
            for handler in _invitations:
                email = handler.clean_email(request, email)
        return email

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        user = super().save_user(request, user, form, commit)
        if commit and request.session.get(INVITATION_SESSION_KEY):
            for handler in _invitations:
                handler.after_signup(request, user)
        return user
