// A persistent, ordered queue of scoring taps for one match: every tap is stored (localStorage)
// before it is sent, sent one at a time in order, and retried until the server acknowledges it,
// so scoring through a dropped connection (or a reload) loses nothing and counts nothing twice
// (each tap carries a client_event_id; a retry of an applied tap is answered 200, not applied).
//
// The re-basing rule (what happens when the match moved on under a queued tap)
// ---------------------------------------------------------------------------------
// Each tap remembers `seen`: the server version of the state on the scorer's screen when they
// tapped, and `ahead`: the scorer's own taps still queued before it. It is sent with
//
//     expected_version = seen + (number of `ahead` taps the server applied)
//
// i.e. "the state I saw, plus my own earlier taps". If one of those earlier taps was refused
// (illegal, finished …) the tap is thereby re-based onto the state without it — still exactly
// what the scorer saw. If the server answers 409 version_conflict anyway, somebody else's event
// came in that the scorer had not seen when tapping: the tap is dropped (never replayed blindly),
// the scorer gets a visible notice, and the screen shows the server's current state. Taps queued
// after it fail the same way unless the scorer tapped them after seeing the new state.
//
//   const q = new ScoringQueue(matchId, { onAck, onDrop, onConflict, onChange });
//   q.enqueue({ type: "rack", side: 0 }, { seen: displayedVersion });
//   q.markApplied(clientEventId)   // an update for one of our taps arrived over the socket first
import { ApiError, api } from "./api.js";

const KEY = (matchId) => `artel:scoring-queue:v1:${matchId}`;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 8000;
const APPLIED_KEEP = 200;

const uuid = () =>
  (crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(
    /[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

export class ScoringQueue {
  constructor(matchId, { onAck = () => {}, onDrop = () => {}, onConflict = () => {}, onChange = () => {},
    storage = globalThis.localStorage, post = (url, body) => api.post(url, body) } = {}) {
    this.matchId = matchId;
    this.url = `/api/matches/${matchId}/events/`;
    Object.assign(this, { onAck, onDrop, onConflict, onChange, storage, post });
    const saved = this._load();
    this.items = saved.items || [];
    this.applied = saved.applied || [];   // client_event_ids of our taps the server applied
    this.sending = false;
    this.timer = null;
    this.delay = RETRY_MIN_MS;
    this.stopped = false;
    this._online = () => { this.delay = RETRY_MIN_MS; this.flush(); };
    window.addEventListener("online", this._online);
  }

  get pending() { return this.items.slice(); }

  enqueue(event, { seen }) {
    const item = {
      // Taps already known as applied are in `seen` (the screen showed their update) already.
      cid: uuid(), event, seen, at: Date.now(),
      ahead: this.items.filter((i) => !this.applied.includes(i.cid)).map((i) => i.cid),
    };
    this.items.push(item);
    this._save();
    this.onChange(this.pending);
    this.flush();
    return item.cid;
  }

  // An update over the socket carried one of our taps: it is applied, whatever the HTTP said.
  markApplied(cid) {
    const index = this.items.findIndex((i) => i.cid === cid);
    if (!this.applied.includes(cid)) this.applied = [...this.applied, cid].slice(-APPLIED_KEEP);
    if (index >= 0 && !this.sending) { this.items.splice(index, 1); this.onChange(this.pending); }
    this._save();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    window.removeEventListener("online", this._online);
  }

  expectedVersion(item) {
    return item.seen + item.ahead.filter((cid) => this.applied.includes(cid)).length;
  }

  async flush() {
    if (this.sending || this.stopped) return;
    clearTimeout(this.timer);
    this.sending = true;
    try {
      while (this.items.length && !this.stopped) {
        const item = this.items[0];
        if (this.applied.includes(item.cid)) { this._done(item); continue; }
        let body;
        try {
          body = await this.post(this.url, {
            ...item.event, expected_version: this.expectedVersion(item), client_event_id: item.cid,
          });
        } catch (err) {
          if (this._transient(err)) { this._retryLater(); return; }
          this._drop(item, err);
          continue;
        }
        this.delay = RETRY_MIN_MS;
        if (!this.applied.includes(item.cid)) this.applied = [...this.applied, item.cid].slice(-APPLIED_KEEP);
        this._done(item);
        this.onAck(body, item);
      }
    } finally {
      this.sending = false;
    }
  }

  _transient(err) {
    if (!(err instanceof ApiError)) return true;             // network down, fetch aborted
    return err.status >= 500 || err.status === 429 || err.status === 401 || err.status === 408;
  }

  _drop(item, err) {
    this.items = this.items.filter((i) => i !== item);
    this._save();
    this.onChange(this.pending);
    if (err.status === 409) this.onConflict(err.body);
    this.onDrop(item, err);
  }

  _done(item) {
    this.items = this.items.filter((i) => i !== item);
    this._save();
    this.onChange(this.pending);
  }

  _retryLater() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.delay);
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }

  _load() {
    try { return JSON.parse(this.storage.getItem(KEY(this.matchId)) || "{}"); } catch { return {}; }
  }

  _save() {
    try {
      if (!this.items.length && !this.applied.length) this.storage.removeItem(KEY(this.matchId));
      else this.storage.setItem(KEY(this.matchId), JSON.stringify({ items: this.items, applied: this.applied }));
    } catch { /* storage full or disabled: the queue still works for this page's life */ }
  }
}
