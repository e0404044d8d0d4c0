"""The staff sign-in form: password and TOTP code on one page."""

from typing import Any

from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm


class StaffLoginForm(OTPAdminAuthenticationForm):
    """django-otp asks which device to check; a clinician has one authenticator, so use it
    without making them pick it from a list after a first failed attempt."""

    def _chosen_device(self, user: Any) -> Any:
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                return devices[0]
        return device
