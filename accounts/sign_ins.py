"""Sign-ins go to their own log (``SignInRecord``), not to the user's history.

Pure recording, connected in ``AccountsConfig.ready``: Django's own ``update_last_login`` (which saves
the user and so adds a history row on every sign-in) is replaced by ``record_sign_in``.
"""

from django.contrib.auth import signals
from django.contrib.auth.models import update_last_login


def _signed_in(sender, request, user, **kwargs):
    from .services import record_sign_in

    record_sign_in(user=user, username=user.get_username(), succeeded=True, request=request)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    from .services import record_sign_in

    record_sign_in(username=credentials.get("username", ""), succeeded=False, request=request)


def connect() -> None:
    signals.user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    signals.user_logged_in.connect(_signed_in, dispatch_uid="accounts_record_sign_in")
    signals.user_login_failed.connect(_sign_in_failed, dispatch_uid="accounts_record_sign_in_failed")
