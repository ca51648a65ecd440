import structlog
from celery import shared_task

from core.metrics import BEAT_LAST
from realtime import services
from realtime.selectors import BEAT

logger = structlog.get_logger(__name__)


@shared_task(name="realtime.tasks.heartbeat", ignore_result=True)
def heartbeat(name: str = BEAT) -> None:
    """Periodic (beat, every 30 s): proves beat and the task path are alive; read by /readyz.
    Another `name` records a probe of the worker alone (the layout test sends one)."""
    services.heartbeat_record(name=name)
    import time

    BEAT_LAST.set(time.time())
    logger.debug("beat heartbeat recorded")
