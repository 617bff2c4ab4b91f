"""Request types for views: what the middleware and the decorators guarantee, told to mypy.

Django's `HttpRequest` types `user` as "a user or anonymous" and knows nothing of the attributes
that django-htmx and django-ninja add. Annotating a view's `request` with one of these classes
states what already holds at run time; nothing here changes a request.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from equityhub.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """Any page request: `HtmxMiddleware` (in every set of settings) adds `request.htmx`."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a `login_required` view: `request.user` is a signed-in `User`."""

    user: User


class ApiRequest(HttpRequest):
    """A request to an authenticated API endpoint: django-ninja puts what the authenticator
    returned on `request.auth`, and both of ours (`equityhub.api.api`) return a `User`."""

    auth: User
