// The Floor screen's view: renders what floor/store.js holds, wires the DOM events and the
// realtime subscriptions (club:<id> and `me`), and makes the HTTP calls of floor/api.js.
import { hasTokens } from "../../api.js";
import { fmt, h, hProps, linkStyle, t } from "../../dom.js";
import { realtime } from "../../realtime.js";
import { haptic, mainButton, startParam, tg } from "../../telegram.js";
import { floorApi } from "./api.js";
import { FloorStore, parseCheckIn } from "./store.js";

// A table turned by 45°–135° (or 225°–315°) stands along the plan's height: drawn portrait, its
// label kept upright (a rotated label would be unreadable on a phone).
function orientation(rotation) {
  const turn = (((Number(rotation) || 0) % 180) + 180) % 180;
  return turn >= 45 && turn < 135 ? "portrait" : "landscape";
}

const statusLabel = (status) => fmt.tableStatus(status) || status;

// A stylesheet file, not an inline <style>: the CSP allows styles from 'self' only.
const STYLESHEET = new URL("../../../css/floor.css", import.meta.url).href;

export class FloorScreen {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.store = new FloorStore();
    this.offs = [];
    this.releaseButton = () => {};
  }

  get signedIn() {
    return Boolean(this.ctx.user) || hasTokens();
  }

  async mount() {
    linkStyle("floor-style", STYLESHEET);
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
        h("span", {}, h("i", { style: `background: var(--${{ free: "free", busy: "busy", reserved: "reserved", out_of_service: "out" }[s]})` }), fmt.tableStatus(s))));
    this.panel = h("div", { class: "floor-card", id: "floor-table-panel", hidden: true });
    this.mine = h("div", { class: "floor-card", id: "floor-my-bookings", hidden: true });
    this.root.append(this.live, this.error, this.notice, this.checkin, this.session, this.plan, this.legend, this.panel, this.mine);

    this.offs.push(realtime.onStatus?.((status) => {
      this.live.dataset.status = status;
      this.live.textContent = status === "open" ? t("Live") : t("Reconnecting…");
    }) || (() => {}));

    let clubs;
    try {
      clubs = await floorApi.clubs();
    } catch (err) {
      this.showError(err);
      return;
    }
    if (!clubs.length) {
      this.plan.replaceWith(h("p", { class: "muted" }, t("No club yet.")));
      return;
    }
    this.store.setClub(clubs[0]);
    this.root.dataset.club = this.store.club.id;
    this.offs.push(realtime.subscribe(`club:${this.store.club.id}`, (msg) => this.onFloor(msg)));
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
    const kind = this.store.applyFloor(msg);
    if (kind === "error") {
      this.showError({ detail: msg.detail });
      return;
    }
    if (!kind) return;
    this.root.dataset.version = this.store.version;
    this.renderPlan();
    // Someone booked or freed something: the open slot list may have changed.
    if (kind === "update" && this.store.selectedTable) this.loadSlots();
  }

  renderPlan() {
    const { store } = this;
    this.plan.textContent = "";
    for (const table of store.floor.tables) {
      let sub = statusLabel(table.status);
      if (table.status === "busy" && table.session) sub = `${t("since")} ${fmt.time(table.session.started_at)}`;
      else if (table.status === "reserved" && table.reserved_until) sub = `${t("until")} ${fmt.time(table.reserved_until)}`;
      else if (table.status === "free" && table.next_booking) sub = `${t("free till")} ${fmt.time(table.next_booking.start)}`;
      const button = h("button", {
        type: "button",
        class: `floor-table${store.selectedTable?.id === table.id ? " selected" : ""}`,
        style: `left: ${Math.min(92, Math.max(8, table.x))}%; top: ${Math.min(90, Math.max(10, table.y))}%;`,
        dataset: { tableId: table.id, status: table.status, kind: table.kind, orientation: orientation(table.rotation) },
        "aria-label": `${t("Table")} ${table.name}: ${statusLabel(table.status)}`,
        onclick: () => this.selectTable(table.id),
      }, table.name, h("small", {}, sub));
      this.plan.append(button);
    }
    if (store.selectedTable) {
      store.refreshSelectedTable();
      this.renderPanelHeader();
    }
  }

  // --- a table's slots and booking ----------------------------------------------------------

  selectTable(id) {
    this.clearMessages();
    this.store.selectTable(id);
    haptic.impact();
    this.renderPlan();
    if (!this.store.selectedTable) return;
    this.panel.hidden = false;
    this.panel.textContent = "";
    this.panelHeader = h("div", {});
    this.dateInput = h("input", {
      type: "date", id: "floor-date", value: this.store.today(),
      onchange: () => { this.store.unchoose(); this.loadSlots(); },
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
    const table = this.store.selectedTable;
    if (!this.panelHeader || !table) return;
    this.panelHeader.textContent = "";
    this.panelHeader.append(
      h("h3", { id: "floor-panel-title" }, `${t("Table")} ${table.name}`),
      h("div", { class: "muted", id: "floor-panel-status", dataset: { status: table.status } },
        statusLabel(table.status),
        table.session ? ` · ${table.session.players.join(", ")}` : ""),
    );
  }

  async loadSlots() {
    if (!this.store.selectedTable) return;
    const tableId = this.store.selectedTable.id;
    const day = this.dateInput.value;
    let data;
    try {
      data = await floorApi.slots(tableId, day);
    } catch (err) {
      this.showError(err);
      return;
    }
    if (this.store.selectedTable?.id !== tableId || this.dateInput.value !== day) return; // stale answer
    this.store.setSlots(data);
    this.renderSlots();
  }

  renderSlots() {
    const { store } = this;
    const data = store.slots;
    this.slotList.textContent = "";
    if (!data.slots.length) {
      this.slotList.append(h("p", { class: "muted" }, t("The club is closed that day.")));
    }
    if (store.reconcileChosen()) this.showError({ detail: t("That time has just been taken.") });
    for (const slot of data.slots) {
      this.slotList.append(h("button", {
        type: "button",
        class: `slot${store.chosen?.start === slot.start ? " chosen" : ""}`,
        disabled: !slot.available,
        dataset: { start: slot.start, free: String(slot.free), available: String(slot.available) },
        onclick: () => this.chooseSlot(slot),
      }, fmt.time(slot.start)));
    }
    this.renderBooking();
  }

  chooseSlot(slot) {
    if (!slot.available) return;
    this.clearMessages();
    this.store.choose(slot);
    haptic.impact();
    this.renderSlots();
  }

  renderBooking() {
    const { store } = this;
    this.releaseButton();
    this.releaseButton = () => {};
    if (!store.chosen || !this.signedIn) {
      this.durationRow.hidden = true;
      this.bookFallback.hidden = true;
      return;
    }
    const select = h("select", { id: "floor-duration", onchange: () => { store.setMinutes(Number(select.value)); this.renderBooking(); } });
    for (const m of store.durations()) {
      const label = m % 60 ? fmt("%(h)s h %(m)s min", { h: Math.floor(m / 60), m: m % 60 }) : fmt("%(h)s h", { h: m / 60 });
      select.append(h("option", { value: m, selected: m === store.chosen.minutes }, label));
    }
    store.clampMinutes();
    this.durationRow.textContent = "";
    this.durationRow.append(t("Duration"), select);
    this.durationRow.hidden = false;
    const label = fmt("Book %(start)s–%(end)s", { start: fmt.time(store.chosen.start), end: fmt.time(store.chosenEnd()) });
    this.releaseButton = mainButton(label, () => this.book(), this.bookFallback);
  }

  async book() {
    const { store } = this;
    if (!store.chosen || this.busy) return;
    this.busy = true;
    this.clearMessages();
    const start = store.chosen.start;
    const end = store.chosenEnd();
    try {
      await floorApi.book(store.selectedTable.id, start, end);
      haptic.success();
      this.showNotice(fmt("Booked: table %(table)s, %(day)s %(start)s–%(end)s", {
        table: store.selectedTable.name, day: fmt.day(start), start: fmt.time(start), end: fmt.time(end),
      }));
      store.unchoose();
      this.loadMine();
      this.loadSlots();
    } catch (err) {
      // The server's reason is what the player reads; the slot list then just refreshes.
      store.unchoose();
      this.showError(err);
      this.loadSlots();
    } finally {
      this.busy = false;
    }
  }

  // --- my bookings and session --------------------------------------------------------------

  async loadMine() {
    try {
      const [bookings, current] = await floorApi.mine();
      this.renderMine(this.store.setBookings(bookings.results));
      this.bills = current.bills || [];
      this.renderSession(this.store.setSessions(current.session ? [current.session] : []));
    } catch (err) {
      if (err.status !== 401) this.showError(err);
    }
  }

  onMe(msg) {
    const changed = this.store.applyMe(msg);
    if (!changed) return;
    if (changed.bookings) this.renderMine(changed.bookings);
    if (changed.sessions) this.renderSession(changed.sessions);
    // A bill changed without an open session (closed, split, paid): fetch the recent bills.
    if (changed.sessions && !changed.sessions.length) this.loadMine();
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
        h("span", {}, `${t("Table")} ${b.table.name} · ${fmt.day(b.start)} ${fmt.time(b.start)}–${fmt.time(b.end)}`,
          b.status === "checked_in" ? ` · ${t("checked in")}` : ""),
        b.deposit && b.deposit.status === "pending" && b.status === "confirmed"
          ? h("button", { type: "button", class: "button", dataset: { depositFor: b.id }, onclick: () => this.payDeposit(b) },
            fmt("Pay the deposit: %(amount)s", { amount: fmt.money(b.deposit.amount) }))
          : null,
        b.deposit && b.deposit.status === "paid" ? h("span", { class: "muted" }, ` · ${t("deposit paid")}`) : null,
        b.status === "confirmed"
          ? h("button", { type: "button", class: "button secondary", onclick: () => this.cancel(b) }, t("Cancel"))
          : null));
    }
  }

  async cancel(booking) {
    if (!window.confirm(t("Cancel this booking?"))) return;
    this.clearMessages();
    try {
      await floorApi.cancel(booking.id);
      haptic.success();
      this.showNotice(t("Booking cancelled."));
      this.loadMine();
      if (this.store.selectedTable) this.loadSlots();
    } catch (err) {
      this.showError(err);
    }
  }

  renderSession(sessions) {
    this.session.textContent = "";
    this.lastSessions = sessions;
    for (const s of sessions) {
      const bill = s.bill;
      const money = s.money;
      this.session.append(h("div", { class: "floor-card", id: "floor-running-session", dataset: { sessionId: s.id } },
        h("h3", {}, fmt("Playing at table %(table)s", { table: s.table.name })),
        h("div", {}, `${t("since")} ${fmt.time(s.started_at)} · ${s.players.join(", ")}`),
        bill ? h("div", { id: "floor-running-bill" },
          `${bill.minutes} ${t("min")} · `, h("strong", {}, fmt.money(money && money.total !== null ? money.total : bill.total))) : null,
        bill ? h("div", { class: "muted" }, bill.lines.map((l) => `${l.tariff}: ${l.minutes} ${t("min")} ${fmt.money(l.amount)}`).join(" · ")) : null,
        money && money.paused ? h("div", { id: "floor-paused" }, t("Paused")) : null,
        money && money.paused_minutes ? h("div", { class: "muted" }, fmt("%(m)s min paused, not billed", { m: money.paused_minutes })) : null,
        money ? this.billItems(money) : null,
        money ? this.orderForm(s) : null,
      ));
    }
    for (const s of this.bills || []) this.session.append(this.billCard(s));
  }

  billItems(money) {
    if (!money.items.length) return null;
    return h("ul", { class: "floor-bill-items", id: "floor-bill-items" },
      ...money.items.map((i) => h("li", { dataset: { line: i.id } }, `${i.name} × ${i.quantity} · ${fmt.money(i.amount)}`)));
  }

  orderForm(session) {
    const box = h("div", { class: "floor-order", id: "floor-order" });
    const load = this.catalogue ? Promise.resolve(this.catalogue) : floorApi.catalogue(session.club).then((c) => (this.catalogue = c.results));
    load.then((items) => {
      if (!items.length) return;
      const select = h("select", { id: "floor-order-item", "aria-label": t("Item") },
        ...items.map((i) => h("option", { value: String(i.id) }, `${i.name} · ${fmt.money(i.price)}`)));
      const qty = hProps("input", { id: "floor-order-qty", type: "number", min: "1", max: "50", value: "1", "aria-label": t("Quantity") });
      const button = h("button", { type: "button", class: "button", id: "floor-order-add", onclick: () => this.order(session, select, qty, button) }, t("Order to the table"));
      box.append(select, qty, button);
    }).catch((err) => this.showError(err));
    return box;
  }

  async order(session, select, qty, button) {
    this.clearMessages();
    button.disabled = true;
    const requestId = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    try {
      const updated = await floorApi.order(session.id, Number(select.value), Number(qty.value) || 1, requestId);
      haptic.success();
      this.showNotice(t("Added to your bill."));
      this.renderSession(this.store.setSessions([updated]));
    } catch (err) {
      this.showError(err);
    } finally {
      button.disabled = false;
    }
  }

  billCard(s) {
    const money = s.money;
    const share = money.my_share;
    return h("div", { class: "floor-card", id: `floor-bill-${s.id}`, dataset: { billId: s.id } },
      h("h3", {}, fmt("Bill of table %(table)s", { table: s.table.name })),
      this.billItems(money),
      h("div", {}, `${t("Total")}: `, h("strong", {}, fmt.money(money.total))),
      money.owed === 0
        ? h("div", { class: "floor-bill-paid", id: `floor-bill-paid-${s.id}` }, t("Paid"))
        : h("div", { class: "floor-bill-owed" }, `${t("Still to pay")}: ${fmt.money(money.owed)}`),
      share && share.left > 0
        ? h("button", { type: "button", class: "button", id: "floor-pay", onclick: () => this.pay(share) },
          fmt("Pay my share: %(amount)s", { amount: fmt.money(share.left) }))
        : share ? h("div", { id: "floor-share-paid" }, t("Your share is paid.")) : null);
  }

  payDeposit(booking) {
    return this.pay(null, () => floorApi.depositInvoice(booking.id));
  }

  async pay(share, create = () => floorApi.invoice(share.id)) {
    this.clearMessages();
    try {
      const invoice = await create();
      if (tg && tg.openInvoice) {
        tg.openInvoice(invoice.url, (status) => {
          if (status === "paid") {
            haptic.success();
            this.showNotice(t("Paid. Thank you!"));
          }
          this.loadMine();
        });
      } else {
        window.open(invoice.url, "_blank", "noopener");
      }
    } catch (err) {
      this.showError(err);
    }
  }

  // --- QR check-in ----------------------------------------------------------------------------

  showCheckIn({ tableId, code }) {
    const table = this.store.table(tableId);
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
        const session = await floorApi.checkIn(tableId, code);
        haptic.success();
        this.checkin.textContent = "";
        this.showNotice(fmt("You are checked in at table %(table)s. Have a good game!", { table: session.table.name }));
        this.renderSession(this.store.setSessions([session]));
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
