"""WebSocket consumers. The realtime issue replaces this trivial consumer with the topic protocol."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "error", "code": "not_ready", "detail": "No topics yet."})
