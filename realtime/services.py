from django.utils import timezone

from realtime.models import Heartbeat
from realtime.selectors import BEAT


def heartbeat_record(*, name: str = BEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
