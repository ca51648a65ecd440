from datetime import datetime

from realtime.models import Heartbeat

BEAT = "beat"


def last_heartbeat(name: str = BEAT) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
