import structlog
from celery import shared_task

from accounts import services

logger = structlog.get_logger(__name__)


@shared_task(name="accounts.tasks.flush_expired_tokens", ignore_result=True)
def flush_expired_tokens() -> int:
    """Daily (beat): drop refresh tokens past expiry from the outstanding / blacklist tables."""
    deleted = services.tokens_flush_expired()
    logger.info("expired refresh tokens flushed", deleted=deleted)
    return deleted
