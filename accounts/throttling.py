"""Login throttling with two thresholds (django-axes' database handler, two limits instead of one).

Axes has a single failure limit shared by every lockout parameter, so "five failures from an
address" locked every account behind that address: one person mistyping (or one attacker)
behind a newsroom's shared NAT locked the whole newsroom out for an hour. Here:

- wrong passwords (and wrong two-factor codes) lock *one account from one address* after
  ``AXES_FAILURE_LIMIT`` failures (5);
- an address is locked for *every* account only after ``NEWSROOM_ADDRESS_FAILURE_LIMIT``
  failures (50) across accounts, which is credential stuffing, not colleagues' typos.

A successful login clears that account's failures from that address only: an attacker with one
valid account cannot sign in with it to wipe the address's count of guesses at others.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class NewsroomAxesHandler(AxesDatabaseHandler):
    def _attempts(self, request, credentials, *, recent=True):
        """The account's attempts from this address, and all of the address's attempts (those
        within the cool-off time unless ``recent`` is false)."""
        address = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if recent and settings.AXES_COOLOFF_TIME is not None:
            address = address.filter(attempt_time__gte=get_cool_off_threshold(request))
        return address.filter(username=get_client_username(request, credentials)), address

    def get_failures(self, request, credentials=None) -> int:
        """Compared by axes with ``AXES_FAILURE_LIMIT``: the account's failures from this
        address, or the limit itself once the address has reached its own, higher limit."""
        account, address = self._attempts(request, credentials)
        failures = _failures(account)
        request.newsroom_address_locked = False
        if _failures(address) >= settings.NEWSROOM_ADDRESS_FAILURE_LIMIT:
            request.newsroom_address_locked = True
            failures = max(failures, get_failure_limit(request, credentials))
        return failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        account, _address = self._attempts(request, credentials, recent=False)
        count, _ = account.delete()
        return count
