"""Test clients."""

from django.test import Client


class SignedInClient(Client):
    """``force_login`` stands for a completed sign-in: for a two-factor role the second factor too
    (tests/accounts/test_sign_in_steps.py drives the real steps with a plain ``django.test.Client``)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.permissions import requires_two_factor

        user._memberships_cache = None
        if requires_two_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="测试", defaults={"confirmed": True})
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
