"""Embedded mode: daphne runs the beat schedule itself (config/embedded.py)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from config.embedded import EmbeddedBeatMiddleware, run_schedule
from realtime.selectors import last_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_schedule_runs_due_tasks_in_process(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "heartbeat": {"task": "realtime.tasks.heartbeat", "schedule": 30.0}
    }
    stop = asyncio.Event()
    runner = asyncio.create_task(run_schedule(stop))
    for _ in range(50):
        if await sync_to_async(last_heartbeat)() is not None:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    assert await sync_to_async(last_heartbeat)() is not None


async def test_a_failing_task_does_not_stop_the_schedule(settings, monkeypatch):
    failures = []
    monkeypatch.setattr(
        "config.embedded.logger.exception", lambda msg, *args: failures.append(msg % args)
    )
    settings.CELERY_BEAT_SCHEDULE = {
        "broken": {"task": "no.such.task", "schedule": 30.0},
        "heartbeat": {"task": "realtime.tasks.heartbeat", "schedule": 30.0},
    }
    stop = asyncio.Event()
    runner = asyncio.create_task(run_schedule(stop))
    for _ in range(50):
        if await sync_to_async(last_heartbeat)() is not None:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(runner, timeout=5)
    assert await sync_to_async(last_heartbeat)() is not None
    assert failures == ["embedded beat: task no.such.task failed"]


async def test_the_middleware_starts_the_schedule_once(monkeypatch):
    started = []

    async def fake_schedule():
        started.append(1)

    monkeypatch.setattr("config.embedded.run_schedule", fake_schedule)
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["type"])

    wrapped = EmbeddedBeatMiddleware(app)
    await wrapped({"type": "http"}, None, None)
    await wrapped({"type": "websocket"}, None, None)
    await asyncio.sleep(0)
    assert calls == ["http", "websocket"]
    assert started == [1]
