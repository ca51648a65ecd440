// Unit test of static/js/realtime.js with a fake WebSocket (run by test_realtime_js.py under node).
import assert from "node:assert/strict";

globalThis.location = { protocol: "http:", host: "example.test" };
const listeners = {};
globalThis.window = { addEventListener: (name, fn) => { listeners[name] = fn; } };
globalThis.document = { addEventListener() {}, visibilityState: "visible", cookie: "" };

const sockets = [];
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code = 1000) { if (this.readyState === 3) return; this.readyState = 3; this.onclose?.({ code }); }
  // test helpers
  serverOpen() { this.readyState = 1; this.onopen?.(); }
  serverSend(msg) { this.onmessage?.({ data: JSON.stringify(msg) }); }
  serverClose(code) { this.readyState = 3; this.onclose?.({ code }); }
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const { connect } = await import(process.argv[2]);

let tickets = 0;
const client = connect({
  getTicket: async () => `t${++tickets}`,
  url: "ws://example.test/ws/",
  WebSocketImpl: FakeSocket,
  backoffBaseMs: 1,
  backoffMaxMs: 5,
});
const statuses = [];
client.onStatus((s) => statuses.push(s));
const got = [];
const off = client.subscribe("club:1", (m) => got.push(m));
await tick();

// Connects with a ticket in the query, subscribes once open.
assert.equal(sockets.length, 1);
assert.equal(sockets[0].url, "ws://example.test/ws/?ticket=t1");
sockets[0].serverOpen();
assert.deepEqual(sockets[0].sent, [{ op: "subscribe", topic: "club:1" }]);
assert.equal(client.status, "open");

// Snapshot then in-order updates; stale and duplicates dropped.
sockets[0].serverSend({ topic: "club:1", type: "snapshot", version: 5, data: { a: 1 } });
sockets[0].serverSend({ topic: "club:1", type: "update", version: 6, data: { a: 2 } });
sockets[0].serverSend({ topic: "club:1", type: "update", version: 6, data: { dup: true } });
sockets[0].serverSend({ topic: "club:1", type: "update", version: 4, data: { old: true } });
assert.deepEqual(got.map((m) => [m.type, m.version]), [["snapshot", 5], ["update", 6]]);

// A gap: the update is not applied, a fresh snapshot is asked for; updates wait for it.
sockets[0].serverSend({ topic: "club:1", type: "update", version: 9, data: {} });
assert.deepEqual(sockets[0].sent.at(-1), { op: "subscribe", topic: "club:1" });
sockets[0].serverSend({ topic: "club:1", type: "update", version: 10, data: {} });
assert.equal(got.length, 2);
sockets[0].serverSend({ topic: "club:1", type: "snapshot", version: 10, data: { a: 10 } });
assert.deepEqual(got.at(-1), { topic: "club:1", type: "snapshot", version: 10, data: { a: 10 } });

// Server pings are answered.
sockets[0].serverSend({ type: "ping" });
assert.deepEqual(sockets[0].sent.at(-1), { op: "pong" });

// Errors for the topic reach its listener.
sockets[0].serverSend({ type: "error", code: "not_found", detail: "x", topic: "club:1" });
assert.equal(got.at(-1).code, "not_found");

// A dropped connection reconnects with a new ticket and re-subscribes.
sockets[0].serverClose(1006);
assert.equal(client.status, "reconnecting");
await tick(30);
assert.equal(sockets.length, 2);
assert.equal(sockets[1].url, "ws://example.test/ws/?ticket=t2");
sockets[1].serverOpen();
assert.deepEqual(sockets[1].sent, [{ op: "subscribe", topic: "club:1" }]);
// After a reconnect an update before the new snapshot is ignored (the snapshot is the truth).
sockets[1].serverSend({ topic: "club:1", type: "update", version: 11, data: {} });
assert.equal(got.at(-1).code, "not_found");
sockets[1].serverSend({ topic: "club:1", type: "snapshot", version: 11, data: {} });
assert.equal(got.at(-1).version, 11);

// A refused ticket (4401) is followed by a new connection with a new ticket.
sockets[1].serverClose(4401);
await tick(30);
assert.equal(sockets.length, 3);
assert.equal(sockets[2].url, "ws://example.test/ws/?ticket=t3");
sockets[2].serverOpen();

// Unsubscribing the last listener tells the server; no reconnect without topics.
off();
assert.deepEqual(sockets[2].sent.at(-1), { op: "unsubscribe", topic: "club:1" });
sockets[2].serverClose(1006);
await tick(30);
assert.equal(sockets.length, 3);
assert.equal(client.status, "offline");
assert.deepEqual(statuses.slice(0, 3), ["offline", "connecting", "open"]);

// Anonymous: no ticket, no query string.
const anon = connect({ getTicket: async () => null, url: "ws://example.test/ws/", WebSocketImpl: FakeSocket });
anon.subscribe("club:1", () => {});
await tick();
assert.equal(sockets.at(-1).url, "ws://example.test/ws/");
anon.close();

console.log("ok");
