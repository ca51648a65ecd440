import structlog
from celery import shared_task

from core.metrics import BEAT_LAST
from realtime import services

logger = structlog.get_logger(__name__)


@shared_task(name="realtime.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Periodic (beat, every 30 s): proves beat and the task path are alive; read by /readyz."""
    services.heartbeat_record()
    import time

    BEAT_LAST.set(time.time())
    logger.debug("beat heartbeat recorded")
