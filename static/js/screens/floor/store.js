// The Floor screen's state and the reducers that change it: the club topic's snapshots and
// updates (the floor plan), the `me` topic's bookings and sessions, the table picked, its free
// slots and the start picked to book. No DOM here: floor/view.js renders what this holds.

// A start parameter or path comes from outside: accept only this exact shape.
const START_PARAM = /^t([1-9]\d{0,11})_([0-9a-f]{16})$/;
const CHECKIN_PATH = /^\/check-in\/([1-9]\d{0,11})\/([0-9a-f]{16})\/?$/;

// The QR check-in link: the Mini App's `startapp=t<table id>_<code>` or the web path
// /check-in/<id>/<code>; {tableId, code} or null.
export function parseCheckIn(param, pathname) {
  const fromParam = typeof param === "string" ? param.match(START_PARAM) : null;
  const m = fromParam || (typeof pathname === "string" ? pathname.match(CHECKIN_PATH) : null);
  return m ? { tableId: Number(m[1]), code: m[2] } : null;
}

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

export class FloorStore {
  constructor() {
    this.club = null;          // the club shown (the first of GET /api/clubs/)
    this.floor = null;         // the club topic's data: {tables: [...]}
    this.version = null;       // ... and its version
    this.selectedTable = null; // the table whose slots are open
    this.slots = null;         // its slots for the day asked (GET /api/tables/<id>/slots/)
    this.chosen = null;        // the start picked to book: {start, bookable, minutes}
    this.bookings = [];        // my upcoming bookings
    this.sessions = [];        // my running session(s)
  }

  setClub(club) {
    this.club = club;
  }

  // The club's date today (YYYY-MM-DD), in its time zone.
  today() {
    return clubToday(this.club.timezone);
  }

  // A message of the club:<id> topic. A snapshot or an update carries the whole floor: it
  // replaces the one held. Returns the message's type ("snapshot", "update", "error"), or null
  // for one that changes nothing.
  applyFloor(msg) {
    if (msg.type === "error") return "error";
    if (msg.type !== "snapshot" && msg.type !== "update") return null;
    this.floor = msg.data;
    this.version = msg.version;
    return msg.type;
  }

  // The picked table as the floor now has it (null once it is gone from the plan).
  refreshSelectedTable() {
    this.selectedTable = this.floor.tables.find((x) => x.id === this.selectedTable.id) || null;
  }

  table(id) {
    return this.floor?.tables.find((x) => x.id === id);
  }

  // A message of the `me` topic: my bookings and/or sessions when it carries them. Returns
  // {bookings?, sessions?} (what it replaced), or null for a message that is not state.
  applyMe(msg) {
    if (msg.type !== "snapshot" && msg.type !== "update") return null;
    const changed = {};
    if (Array.isArray(msg.data?.bookings)) changed.bookings = this.setBookings(msg.data.bookings);
    if (Array.isArray(msg.data?.sessions)) changed.sessions = this.setSessions(msg.data.sessions);
    return changed;
  }

  setBookings(bookings) {
    this.bookings = bookings;
    return bookings;
  }

  setSessions(sessions) {
    this.sessions = sessions;
    return sessions;
  }

  // Picking a table drops the start picked at the one before.
  selectTable(id) {
    this.selectedTable = this.floor.tables.find((x) => x.id === id) || null;
    this.chosen = null;
    return this.selectedTable;
  }

  setSlots(data) {
    this.slots = data;
  }

  // After new slots: a chosen start that is no longer available (someone else booked it) is
  // dropped (returns true); one still free takes the slot's bookable length.
  reconcileChosen() {
    const chosenSlot = this.chosen && this.slots.slots.find((s) => s.start === this.chosen.start);
    if (this.chosen && !(chosenSlot && chosenSlot.available)) {
      this.chosen = null;
      return true;
    }
    if (chosenSlot) this.chosen.bookable = chosenSlot.bookable_minutes;
    return false;
  }

  choose(slot) {
    this.chosen = { start: slot.start, bookable: slot.bookable_minutes, minutes: this.slots.min_minutes };
  }

  unchoose() {
    this.chosen = null;
  }

  setMinutes(minutes) {
    this.chosen.minutes = minutes;
  }

  // The lengths the chosen start may be booked for: the club's minimum, then in slot steps.
  durations() {
    const { min_minutes: min, slot_minutes: step } = this.slots;
    const out = [];
    for (let m = min; m <= this.chosen.bookable; m += step) out.push(m);
    return out;
  }

  // A length longer than the start now allows falls back to the minimum.
  clampMinutes() {
    if (this.chosen.minutes > this.chosen.bookable) this.chosen.minutes = this.slots.min_minutes;
  }

  chosenEnd() {
    return addMinutes(this.chosen.start, this.chosen.minutes);
  }
}
