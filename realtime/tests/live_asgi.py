"""The app as daphne serves it, plus what the multi-process test needs in each server process:
the throw-away `widget` topic and `POST /__test__/publish` (publishes in a transaction, like a
service would). Used only by test_multiprocess.py; never routed in the real app."""

import json

from asgiref.sync import sync_to_async
from django.db import transaction

from config.asgi import application as app
from realtime.broadcast import publish
from realtime.tests.topics_for_tests import WIDGETS, WidgetTopic
from realtime.topics import register

register(WidgetTopic)
WIDGETS["1"] = (5, {"name": "first"})


def _publish_committed(topic: str, version: int, data: dict) -> None:
    with transaction.atomic():
        publish(topic, version=version, data=data)


async def application(scope, receive, send):
    if scope["type"] != "http" or scope["path"] != "/__test__/publish":
        return await app(scope, receive, send)
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = json.loads(body)
    await sync_to_async(_publish_committed)(payload["topic"], payload["version"], payload["data"])
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
