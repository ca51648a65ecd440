"""Signals of the club floor's money, for the layers above (notifications: the itemised bill).

Sent inside the service's transaction (receivers that write — `notify()` — join it).

* ``session_billed(sender=TableSession, session=...)`` — a session closed with its bill.
* ``bill_paid(sender=TableSession, session=...)`` — a closed bill became fully paid.
"""

from django.dispatch import Signal

session_billed = Signal()
bill_paid = Signal()
