// Realtime client: one WebSocket to /ws/ for the whole page, many topics over it.
//
//   import { realtime } from "./realtime.js";
//   const off = realtime.subscribe("club:1", (msg) => { ... });   // msg: snapshot | update | error
//   const offStatus = realtime.onStatus((status) => { ... });     // "connecting" | "open" | "reconnecting" | "offline"
//   off();                                                        // unsubscribes when the last listener goes
//
// A listener first gets {type: "snapshot", version, data} (replace your state), then
// {type: "update", version, data} in version order, and {type: "error", code, detail} when the
// server refuses the topic (forbidden, not_found, unknown_topic, too_many_subscriptions).
// After a reconnect or a version gap a new snapshot arrives: always treat a snapshot as the truth.
//
// Signed-in users connect with a one-time ticket from POST /api/realtime/ticket/ (a JWT never goes
// in the URL); anonymous users connect without one and may watch public topics only.
import { ApiError, api, hasTokens, onAuthChange } from "./api.js";

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30000;
// The server pings every 30 s; silence for this long means the connection is dead.
const SILENCE_MS = 75000;
const CLOSE_INVALID_TICKET = 4401;

// Signed in = JWTs in memory (Mini App) or a session the page was rendered for (web).
function signedIn() {
  if (hasTokens()) return true;
  try {
    const el = typeof document !== "undefined" ? document.getElementById?.("app-config") : null;
    return Boolean(el && JSON.parse(el.textContent || "{}").signedIn);
  } catch {
    return false;
  }
}

async function ticketFromApi() {
  if (!signedIn()) return null; // anonymous: no pointless 401
  try {
    const body = await api.post("/api/realtime/ticket/");
    return body.ticket;
  } catch (err) {
    // Not signed in: connect anonymously (public topics only).
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/`;
}

export function connect({
  getTicket = ticketFromApi,
  url = defaultUrl,
  WebSocketImpl = globalThis.WebSocket,
  backoffBaseMs = BACKOFF_BASE_MS,
  backoffMaxMs = BACKOFF_MAX_MS,
  silenceMs = SILENCE_MS,
} = {}) {
  const subs = new Map(); // topic -> {listeners: Set, version: number|null, resyncing: bool}
  const statusListeners = new Set();
  let ws = null;
  let status = "offline";
  let attempt = 0;
  let reconnectTimer = null;
  let silenceTimer = null;
  let connecting = false;
  let generation = 0; // bumps on every (re)connect; stale sockets' events are ignored

  function setStatus(next) {
    if (status === next) return;
    status = next;
    statusListeners.forEach((fn) => { try { fn(status); } catch (e) { console.error(e); } });
  }

  function send(message) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(message));
  }

  function deliver(topic, message) {
    const sub = subs.get(topic);
    if (!sub) return;
    sub.listeners.forEach((fn) => { try { fn(message); } catch (e) { console.error(e); } });
  }

  function resubscribe(topic) {
    const sub = subs.get(topic);
    if (!sub) return;
    sub.resyncing = true;
    send({ op: "subscribe", topic });
  }

  function armSilenceTimer() {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => { if (ws) ws.close(); }, silenceMs);
  }

  function onMessage(event) {
    armSilenceTimer();
    let msg;
    try { msg = JSON.parse(event.data); } catch { return; }
    if (msg.type === "ping") { send({ op: "pong" }); return; }
    if (msg.type === "pong") return;
    const sub = msg.topic ? subs.get(msg.topic) : null;
    if (msg.type === "error") {
      if (sub) { sub.resyncing = false; deliver(msg.topic, msg); }
      else if (msg.code !== "invalid_ticket") console.warn("realtime:", msg.code, msg.detail);
      return;
    }
    if (!sub) return;
    if (msg.type === "snapshot") {
      sub.version = msg.version;
      sub.resyncing = false;
      deliver(msg.topic, msg);
      return;
    }
    // An update (or another versioned message type).
    if (sub.version === null || sub.resyncing) return; // a snapshot is on its way
    if (msg.version <= sub.version) return; // stale or duplicate
    if (msg.version > sub.version + 1) { resubscribe(msg.topic); return; } // gap: ask for a snapshot
    sub.version = msg.version;
    deliver(msg.topic, msg);
  }

  function scheduleReconnect() {
    if (reconnectTimer || subs.size === 0) return;
    // Exponential backoff with jitter, so a restarted server is not hit by every client at once.
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    attempt += 1;
    setStatus("reconnecting");
    reconnectTimer = setTimeout(() => { reconnectTimer = null; open(); }, delay);
  }

  async function open() {
    if (connecting || (ws && ws.readyState <= 1) || subs.size === 0) return;
    connecting = true;
    const mine = ++generation;
    setStatus(attempt === 0 ? "connecting" : "reconnecting");
    let ticket = null;
    try {
      ticket = await getTicket();
    } catch (err) {
      connecting = false;
      console.warn("realtime: no ticket", err);
      scheduleReconnect();
      return;
    }
    connecting = false;
    if (mine !== generation) return;
    const base = typeof url === "function" ? url() : url;
    const socket = new WebSocketImpl(ticket ? `${base}?ticket=${encodeURIComponent(ticket)}` : base);
    ws = socket;
    socket.onopen = () => {
      if (ws !== socket) return;
      attempt = 0;
      setStatus("open");
      armSilenceTimer();
      subs.forEach((sub, topic) => { sub.version = null; sub.resyncing = false; send({ op: "subscribe", topic }); });
    };
    socket.onmessage = (event) => { if (ws === socket) onMessage(event); };
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      clearTimeout(silenceTimer);
      // 4401: the ticket was refused (expired on a slow network, or used): the next attempt
      // fetches a new one; the backoff still applies so a persistent failure does not spin.
      if (event.code === CLOSE_INVALID_TICKET) console.warn("realtime: ticket refused");
      if (subs.size === 0) { setStatus("offline"); return; }
      scheduleReconnect();
    };
    socket.onerror = () => {}; // onclose follows and handles it
  }

  function reconnectNow() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    attempt = 0;
    if (ws) { const old = ws; ws = null; old.close(); }
    generation += 1;
    connecting = false;
    open();
  }

  // A new identity (signed in or out) needs a new connection with the right ticket.
  onAuthChange(() => { if (subs.size) reconnectNow(); });
  if (typeof window !== "undefined") {
    window.addEventListener("online", () => { if (subs.size && !ws) reconnectNow(); });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && subs.size && !ws) reconnectNow();
    });
  }

  return {
    subscribe(topic, onMessage) {
      let sub = subs.get(topic);
      if (!sub) {
        sub = { listeners: new Set(), version: null, resyncing: false };
        subs.set(topic, sub);
        send({ op: "subscribe", topic });
      } else if (sub.version !== null) {
        // A late listener needs the state too: ask for a fresh snapshot for everyone.
        resubscribe(topic);
      }
      sub.listeners.add(onMessage);
      open();
      return () => {
        const current = subs.get(topic);
        if (!current) return;
        current.listeners.delete(onMessage);
        if (current.listeners.size === 0) {
          subs.delete(topic);
          send({ op: "unsubscribe", topic });
        }
      };
    },
    onStatus(fn) {
      statusListeners.add(fn);
      fn(status);
      return () => statusListeners.delete(fn);
    },
    get status() { return status; },
    reconnect: reconnectNow,
    close() {
      subs.clear();
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      clearTimeout(silenceTimer);
      if (ws) { const old = ws; ws = null; old.close(); }
      setStatus("offline");
    },
  };
}

// The page's one connection; screens import this.
export const realtime = connect();
