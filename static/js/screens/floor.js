// The Floor screen: the club's floor plan live over /ws/ (topic club:<id>), a table's free slots
// and booking, my bookings with cancel, my running session, and the QR check-in flow
// (Mini App deep link `startapp=t<table id>_<code>` or the web path /check-in/<id>/<code>).
import { api, hasTokens } from "../api.js";
import { realtime } from "../realtime.js";
import { haptic, mainButton, startParam } from "../telegram.js";

const t = (s) => (window.gettext ? window.gettext(s) : s);
const fmt = (s, obj) => (window.interpolate ? window.interpolate(t(s), obj, true) : t(s).replace(/%\((\w+)\)s/g, (_, k) => obj[k]));

// A start parameter or path comes from outside: accept only this exact shape.
const START_PARAM = /^t([1-9]\d{0,11})_([0-9a-f]{16})$/;
const CHECKIN_PATH = /^\/check-in\/([1-9]\d{0,11})\/([0-9a-f]{16})\/?$/;

const STATUS_LABEL = {
  free: () => t("free"),
  busy: () => t("busy"),
  reserved: () => t("reserved"),
  out_of_service: () => t("out of service"),
};

// A table turned by 45°–135° (or 225°–315°) stands along the plan's height: drawn portrait, its
// label kept upright (a rotated label would be unreadable on a phone).
function orientation(rotation) {
  const turn = (((Number(rotation) || 0) % 180) + 180) % 180;
  return turn >= 45 && turn < 135 ? "portrait" : "landscape";
}

// A stylesheet file, not an inline <style>: the CSP allows styles from 'self' only.
const STYLESHEET = new URL("../../css/floor.css", import.meta.url).href;

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") el.style.cssText = value; // CSSOM: allowed by a strict CSP
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const hhmm = (iso) => (iso ? iso.slice(11, 16) : "");
const dayOf = (iso) => (iso ? iso.slice(0, 10) : "");
const rub = (kopecks) => `${(kopecks / 100).toFixed(2)} ₽`;
const addMinutes = (iso, minutes) => {
  // Keep the club's UTC offset of the start (slots never straddle a DST change in practice;
  // the server re-validates anyway).
  const offset = iso.slice(19);
  const d = new Date(new Date(iso).getTime() + minutes * 60000);
  const sign = offset.startsWith("-") ? -1 : 1;
  const [oh, om] = offset.slice(1).split(":").map(Number);
  const local = new Date(d.getTime() + sign * (oh * 60 + om) * 60000);
  return `${local.toISOString().slice(0, 19)}${offset}`;
};

function clubToday(tz) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export function parseCheckIn(param, pathname) {
  const fromParam = typeof param === "string" ? param.match(START_PARAM) : null;
  const m = fromParam || (typeof pathname === "string" ? pathname.match(CHECKIN_PATH) : null);
  return m ? { tableId: Number(m[1]), code: m[2] } : null;
}

class FloorScreen {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.offs = [];
    this.floor = null;
    this.club = null;
    this.selectedTable = null;
    this.chosen = null; // {start, bookable}
    this.releaseButton = () => {};
  }

  get signedIn() {
    return Boolean(this.ctx.user) || hasTokens();
  }

  async mount() {
    if (!document.getElementById("floor-style")) {
      document.head.append(h("link", { id: "floor-style", rel: "stylesheet", href: STYLESHEET }));
    }
    this.root.className = "floor";
    this.root.textContent = "";
    this.live = h("div", { class: "floor-live", id: "floor-live", dataset: { status: "connecting" } }, t("Connecting…"));
    this.error = h("div", { class: "error-banner", id: "floor-error", role: "alert", hidden: true });
    this.notice = h("div", { class: "floor-notice", id: "floor-notice", role: "status", hidden: true });
    this.checkin = h("div", { id: "floor-checkin" });
    this.session = h("div", { id: "floor-session" });
    this.plan = h("div", { class: "floor-plan", id: "floor-plan", role: "group", "aria-label": t("Floor plan") });
    this.legend = h("div", { class: "floor-legend" },
      ...["free", "reserved", "busy", "out_of_service"].map((s) =>
        h("span", {}, h("i", { style: `background: var(--${{ free: "free", busy: "busy", reserved: "reserved", out_of_service: "out" }[s]})` }), STATUS_LABEL[s]())));
    this.panel = h("div", { class: "floor-card", id: "floor-table-panel", hidden: true });
    this.mine = h("div", { class: "floor-card", id: "floor-my-bookings", hidden: true });
    this.root.append(this.live, this.error, this.notice, this.checkin, this.session, this.plan, this.legend, this.panel, this.mine);

    this.offs.push(realtime.onStatus?.((status) => {
      this.live.dataset.status = status;
      this.live.textContent = status === "open" ? t("Live") : t("Reconnecting…");
    }) || (() => {}));

    let clubs;
    try {
      clubs = await api.get("/api/clubs/");
    } catch (err) {
      this.showError(err);
      return;
    }
    if (!clubs.length) {
      this.plan.replaceWith(h("p", { class: "muted" }, t("No club yet.")));
      return;
    }
    this.club = clubs[0];
    this.root.dataset.club = this.club.id;
    this.offs.push(realtime.subscribe(`club:${this.club.id}`, (msg) => this.onFloor(msg)));
    if (this.signedIn) {
      this.offs.push(realtime.subscribe("me", (msg) => this.onMe(msg)));
      this.loadMine();
    }
    const deepLink = parseCheckIn(this.ctx.startParam || startParam(), location.pathname);
    if (deepLink) this.showCheckIn(deepLink);
  }

  unmount() {
    this.offs.forEach((off) => { try { off(); } catch { /* already gone */ } });
    this.offs = [];
    this.releaseButton();
  }

  showError(err) {
    this.error.textContent = err?.detail || err?.message || t("Something went wrong.");
    this.error.hidden = false;
    haptic.error();
  }

  clearMessages() {
    this.error.hidden = true;
    this.notice.hidden = true;
  }

  showNotice(text) {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  // --- the live floor -------------------------------------------------------------------------

  onFloor(msg) {
    if (msg.type === "error") {
      this.showError({ detail: msg.detail });
      return;
    }
    if (msg.type !== "snapshot" && msg.type !== "update") return;
    this.floor = msg.data;
    this.root.dataset.version = msg.version;
    this.renderPlan();
    // Someone booked or freed something: the open slot list may have changed.
    if (msg.type === "update" && this.selectedTable) this.loadSlots();
  }

  renderPlan() {
    this.plan.textContent = "";
    for (const table of this.floor.tables) {
      let sub = STATUS_LABEL[table.status]?.() || table.status;
      if (table.status === "busy" && table.session) sub = `${t("since")} ${hhmm(table.session.started_at)}`;
      else if (table.status === "reserved" && table.reserved_until) sub = `${t("until")} ${hhmm(table.reserved_until)}`;
      else if (table.status === "free" && table.next_booking) sub = `${t("free till")} ${hhmm(table.next_booking.start)}`;
      const button = h("button", {
        type: "button",
        class: `floor-table${this.selectedTable?.id === table.id ? " selected" : ""}`,
        style: `left: ${Math.min(92, Math.max(8, table.x))}%; top: ${Math.min(90, Math.max(10, table.y))}%;`,
        dataset: { tableId: table.id, status: table.status, kind: table.kind, orientation: orientation(table.rotation) },
        "aria-label": `${t("Table")} ${table.name}: ${STATUS_LABEL[table.status]?.() || table.status}`,
        onclick: () => this.selectTable(table.id),
      }, table.name, h("small", {}, sub));
      this.plan.append(button);
    }
    if (this.selectedTable) {
      this.selectedTable = this.floor.tables.find((x) => x.id === this.selectedTable.id) || null;
      this.renderPanelHeader();
    }
  }

  // --- a table's slots and booking ----------------------------------------------------------

  selectTable(id) {
    this.clearMessages();
    this.selectedTable = this.floor.tables.find((x) => x.id === id) || null;
    this.chosen = null;
    haptic.impact();
    this.renderPlan();
    if (!this.selectedTable) return;
    this.panel.hidden = false;
    this.panel.textContent = "";
    this.panelHeader = h("div", {});
    this.dateInput = h("input", {
      type: "date", id: "floor-date", value: clubToday(this.club.timezone),
      onchange: () => { this.chosen = null; this.loadSlots(); },
    });
    this.slotList = h("div", { class: "slot-list", id: "floor-slots" });
    this.durationRow = h("div", { class: "floor-field", hidden: true });
    this.bookFallback = h("button", { type: "button", class: "button", id: "floor-book", hidden: true });
    this.panel.append(
      this.panelHeader,
      h("label", { class: "floor-field" }, t("Date"), this.dateInput),
      this.slotList,
      this.durationRow,
      this.signedIn ? this.bookFallback : h("p", { class: "muted", id: "floor-signin-hint" },
        h("a", { href: `/login/?next=${encodeURIComponent(location.pathname)}` }, t("Sign in to book a table."))),
    );
    this.renderPanelHeader();
    this.loadSlots();
    this.panel.scrollIntoView?.({ behavior: "smooth", block: "nearest" });
  }

  renderPanelHeader() {
    if (!this.panelHeader || !this.selectedTable) return;
    const table = this.selectedTable;
    this.panelHeader.textContent = "";
    this.panelHeader.append(
      h("h3", { id: "floor-panel-title" }, `${t("Table")} ${table.name}`),
      h("div", { class: "muted", id: "floor-panel-status", dataset: { status: table.status } },
        STATUS_LABEL[table.status]?.() || table.status,
        table.session ? ` · ${table.session.players.join(", ")}` : ""),
    );
  }

  async loadSlots() {
    if (!this.selectedTable) return;
    const tableId = this.selectedTable.id;
    const day = this.dateInput.value;
    let data;
    try {
      data = await api.get(`/api/tables/${tableId}/slots/?date=${encodeURIComponent(day)}`);
    } catch (err) {
      this.showError(err);
      return;
    }
    if (this.selectedTable?.id !== tableId || this.dateInput.value !== day) return; // stale answer
    this.slots = data;
    this.renderSlots();
  }

  renderSlots() {
    const data = this.slots;
    this.slotList.textContent = "";
    if (!data.slots.length) {
      this.slotList.append(h("p", { class: "muted" }, t("The club is closed that day.")));
    }
    // A chosen start that is no longer available (someone else booked it) is dropped.
    const chosenSlot = this.chosen && data.slots.find((s) => s.start === this.chosen.start);
    if (this.chosen && !(chosenSlot && chosenSlot.available)) {
      if (this.chosen) this.showError({ detail: t("That time has just been taken.") });
      this.chosen = null;
    } else if (chosenSlot) {
      this.chosen.bookable = chosenSlot.bookable_minutes;
    }
    for (const slot of data.slots) {
      this.slotList.append(h("button", {
        type: "button",
        class: `slot${this.chosen?.start === slot.start ? " chosen" : ""}`,
        disabled: !slot.available,
        dataset: { start: slot.start, free: String(slot.free), available: String(slot.available) },
        onclick: () => this.chooseSlot(slot),
      }, hhmm(slot.start)));
    }
    this.renderBooking();
  }

  chooseSlot(slot) {
    if (!slot.available) return;
    this.clearMessages();
    this.chosen = { start: slot.start, bookable: slot.bookable_minutes, minutes: this.slots.min_minutes };
    haptic.impact();
    this.renderSlots();
  }

  renderBooking() {
    this.releaseButton();
    this.releaseButton = () => {};
    if (!this.chosen || !this.signedIn) {
      this.durationRow.hidden = true;
      this.bookFallback.hidden = true;
      return;
    }
    const { min_minutes: min, slot_minutes: step } = this.slots;
    const select = h("select", { id: "floor-duration", onchange: () => { this.chosen.minutes = Number(select.value); this.renderBooking(); } });
    for (let m = min; m <= this.chosen.bookable; m += step) {
      const label = m % 60 ? fmt("%(h)s h %(m)s min", { h: Math.floor(m / 60), m: m % 60 }) : fmt("%(h)s h", { h: m / 60 });
      select.append(h("option", { value: m, selected: m === this.chosen.minutes }, label));
    }
    if (this.chosen.minutes > this.chosen.bookable) this.chosen.minutes = min;
    this.durationRow.textContent = "";
    this.durationRow.append(t("Duration"), select);
    this.durationRow.hidden = false;
    const end = addMinutes(this.chosen.start, this.chosen.minutes);
    const label = fmt("Book %(start)s–%(end)s", { start: hhmm(this.chosen.start), end: hhmm(end) });
    this.releaseButton = mainButton(label, () => this.book(), this.bookFallback);
  }

  async book() {
    if (!this.chosen || this.busy) return;
    this.busy = true;
    this.clearMessages();
    const start = this.chosen.start;
    const end = addMinutes(start, this.chosen.minutes);
    try {
      await api.post("/api/bookings/", { table: this.selectedTable.id, start, end });
      haptic.success();
      this.showNotice(fmt("Booked: table %(table)s, %(day)s %(start)s–%(end)s", {
        table: this.selectedTable.name, day: dayOf(start), start: hhmm(start), end: hhmm(end),
      }));
      this.chosen = null;
      this.loadMine();
      this.loadSlots();
    } catch (err) {
      // The server's reason is what the player reads; the slot list then just refreshes.
      this.chosen = null;
      this.showError(err);
      this.loadSlots();
    } finally {
      this.busy = false;
    }
  }

  // --- my bookings and session --------------------------------------------------------------

  async loadMine() {
    try {
      const [bookings, current] = await Promise.all([
        api.get("/api/bookings/"),
        api.get("/api/sessions/current/"),
      ]);
      this.renderMine(bookings.results);
      this.renderSession(current.session ? [current.session] : []);
    } catch (err) {
      if (err.status !== 401) this.showError(err);
    }
  }

  onMe(msg) {
    if (msg.type !== "snapshot" && msg.type !== "update") return;
    if (Array.isArray(msg.data?.bookings)) this.renderMine(msg.data.bookings);
    if (Array.isArray(msg.data?.sessions)) this.renderSession(msg.data.sessions);
  }

  renderMine(bookings) {
    this.mine.textContent = "";
    this.mine.hidden = false;
    this.mine.append(h("h3", {}, t("My bookings")));
    if (!bookings.length) {
      this.mine.append(h("p", { class: "muted", id: "floor-no-bookings" }, t("No upcoming bookings.")));
      return;
    }
    for (const b of bookings) {
      this.mine.append(h("div", { class: "floor-row", dataset: { bookingId: b.id, status: b.status } },
        h("span", {}, `${t("Table")} ${b.table.name} · ${dayOf(b.start)} ${hhmm(b.start)}–${hhmm(b.end)}`,
          b.status === "checked_in" ? ` · ${t("checked in")}` : ""),
        b.status === "confirmed"
          ? h("button", { type: "button", class: "button secondary", onclick: () => this.cancel(b) }, t("Cancel"))
          : null));
    }
  }

  async cancel(booking) {
    if (!window.confirm(t("Cancel this booking?"))) return;
    this.clearMessages();
    try {
      await api.post(`/api/bookings/${booking.id}/cancel/`);
      haptic.success();
      this.showNotice(t("Booking cancelled."));
      this.loadMine();
      if (this.selectedTable) this.loadSlots();
    } catch (err) {
      this.showError(err);
    }
  }

  renderSession(sessions) {
    this.session.textContent = "";
    for (const s of sessions) {
      const bill = s.bill;
      this.session.append(h("div", { class: "floor-card", id: "floor-running-session", dataset: { sessionId: s.id } },
        h("h3", {}, fmt("Playing at table %(table)s", { table: s.table.name })),
        h("div", {}, `${t("since")} ${hhmm(s.started_at)} · ${s.players.join(", ")}`),
        bill ? h("div", { id: "floor-running-bill" },
          `${bill.minutes} ${t("min")} · `, h("strong", {}, rub(bill.total))) : null,
        bill ? h("div", { class: "muted" }, bill.lines.map((l) => `${l.tariff}: ${l.minutes} ${t("min")} ${rub(l.amount)}`).join(" · ")) : null,
      ));
    }
  }

  // --- QR check-in ----------------------------------------------------------------------------

  showCheckIn({ tableId, code }) {
    const table = this.floor?.tables.find((x) => x.id === tableId);
    const name = table ? table.name : String(tableId);
    this.checkin.textContent = "";
    const card = h("div", { class: "floor-card", id: "floor-checkin-card", dataset: { tableId } },
      h("h3", {}, fmt("Check in at table %(table)s", { table: name })));
    if (!this.signedIn) {
      card.append(h("p", {}, t("Sign in to start playing at this table.")),
        h("a", { class: "button", id: "floor-checkin-signin", href: `/login/?next=${encodeURIComponent(`/check-in/${tableId}/${code}`)}` }, t("Sign in")));
      this.checkin.append(card);
      return;
    }
    const button = h("button", { type: "button", class: "button", id: "floor-checkin-go" }, t("Start playing"));
    button.addEventListener("click", async () => {
      button.disabled = true;
      this.clearMessages();
      try {
        const session = await api.post(`/api/tables/${tableId}/check-in/`, { code });
        haptic.success();
        this.checkin.textContent = "";
        this.showNotice(fmt("You are checked in at table %(table)s. Have a good game!", { table: session.table.name }));
        this.renderSession([session]);
        this.loadMine();
        if (location.pathname.startsWith("/check-in/")) history.replaceState({}, "", "/floor");
      } catch (err) {
        button.disabled = false;
        this.showError(err);
      }
    });
    card.append(h("p", {}, t("Your session starts now and is billed per minute by the club's tariffs.")), button);
    this.checkin.append(card);
  }
}

let screen = null;

export function mount(el, params, ctx) {
  screen?.unmount();
  const root = el.querySelector("#floor-root") || el;
  screen = new FloorScreen(root, ctx || {});
  return screen.mount();
}

export function unmount() {
  screen?.unmount();
  screen = null;
}
