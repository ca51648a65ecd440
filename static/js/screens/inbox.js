// The Inbox screen: my notifications (live over the `me` topic), match invites to answer, and
// my notification settings (channel per kind, quiet hours in the club's time zone).
import { api, ApiError } from "../api.js";
import { deepLinkPath } from "../deeplink.js";
import { adoptStyle, fmt, hProps as h, screenRoot, t } from "../dom.js";
import { realtime } from "../realtime.js";
import { navigate } from "../router.js";
import { answerButtons } from "./result.js";

// A constructed stylesheet (CSSOM): allowed by the strict CSP (style-src 'self').
const CSS = `
.inbox-list { list-style: none; margin: 0; padding: 0; }
.inbox-item { display: flex; gap: 8px; justify-content: space-between; padding: 10px 4px;
  border-bottom: 1px solid var(--secondary-bg, #eee); cursor: pointer; }
.inbox-item.unread .inbox-text { font-weight: 600; }
.inbox-item.unread::before { content: ""; flex: 0 0 8px; height: 8px; margin-top: 6px; border-radius: 50%;
  background: var(--button, #2481cc); }
.inbox-text { flex: 1; white-space: pre-line; }
.inbox-head { display: flex; justify-content: flex-end; margin: 6px 0; }
.inbox-invite { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 8px 0; }
.inbox-invite > div { flex: 1 1 100%; }
.inbox-settings { margin-top: 16px; }
.inbox-watch-kinds { display: flex; gap: 6px; }
.inbox-watch-kinds .button, .inbox-invite .button { flex: 1 1 0; width: auto; margin: 0; }
.inbox-pref { display: flex; justify-content: space-between; gap: 8px; padding: 4px 0; }
.inbox-settings fieldset { border: 0; padding: 8px 0; }
`;
function ensureStyle() {
  adoptStyle("inbox-style", CSS, { ifSupported: true });
}

const KIND_LABELS = () => ({
  booking_confirmed: t("Booking confirmed"),
  booking_reminder: t("Booking reminder"),
  booking_cancelled: t("Booking cancelled"),
  booking_no_show: t("Missed booking"),
  match_invite: t("Match invites"),
  match_result: t("Match results"),
  result_confirm: t("Results to confirm"),
  result_update: t("Confirmed and disputed results"),
  achievement: t("Achievements"),
  table_free: t("Table free again"),
  announcement: t("Club announcements"),
});

const CHANNELS = () => [
  ["telegram", t("Telegram")],
  ["in_app", t("In the app")],
  ["off", t("Off")],
];

function when(iso) {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay ? fmt.clock(d) : d.toLocaleDateString([], { day: "numeric", month: "short" });
}

function errorText(err) {
  return err instanceof ApiError && err.detail ? err.detail : t("Something went wrong. Try again.");
}

export const inbox = {
  async mount(el, params, ctx) {
    this.el = el;
    this.userId = ctx?.user?.id;
    ensureStyle();
    this.offs = [];
    this.items = [];
    const root = screenRoot(el, "inbox-root");
    root.textContent = "";
    this.status = h("p", { class: "muted", id: "inbox-status", role: "status" });
    this.invitesBox = h("div", { id: "inbox-invites" });
    this.list = h("ul", { class: "inbox-list", id: "inbox-list" });
    this.markAll = h("button", { class: "button secondary", id: "inbox-mark-all", type: "button", hidden: true,
      onclick: () => this.markRead(null) }, t("Mark all read"));
    this.watchBox = h("div", { class: "inbox-watch", id: "inbox-watch" });
    this.settingsBox = h("details", { class: "inbox-settings", id: "inbox-settings" },
      h("summary", {}, t("Notification settings")));
    root.append(this.status, this.invitesBox, h("div", { class: "inbox-head" }, this.markAll), this.list, this.watchBox, this.settingsBox);

    try {
      const [page, invites, prefs, watches] = await Promise.all([
        api.get("/api/notifications/?page_size=50"),
        api.get("/api/invites/"),
        api.get("/api/me/notifications/"),
        api.get("/api/table-watches/"),
      ]);
      this.items = page.results;
      this.unread = page.unread;
      window.dispatchEvent(new CustomEvent("artel:unread", { detail: { unread: page.unread } }));
      this.renderList();
      this.renderInvites(invites);
      this.renderSettings(prefs);
      this.renderWatches(watches);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        this.status.textContent = t("Sign in to see your messages.");
      } else {
        this.status.textContent = errorText(err);
      }
      return;
    }
    this.offs.push(realtime.subscribe("me", (msg) => this.onMe(msg)));
  },

  unmount() {
    (this.offs || []).forEach((off) => off && off());
    this.offs = [];
  },

  onMe(msg) {
    const data = msg?.data;
    if (msg?.type !== "update" || data?.kind !== "notification" || !data.notification) return;
    const n = data.notification;
    if (this.items.some((i) => i.id === n.id)) return;
    this.items.unshift(n);
    this.unread = (this.unread || 0) + (n.read ? 0 : 1);
    this.renderList();
    if (n.kind === "match_invite") this.refreshInvites();
  },

  renderList() {
    this.list.textContent = "";
    this.status.textContent = this.items.length ? "" : t("No messages yet.");
    this.markAll.hidden = !this.unread;
    for (const n of this.items) {
      const path = deepLinkPath(n.start_param);
      const li = h("li", { class: `inbox-item${n.read ? "" : " unread"}`, "data-id": n.id, "data-kind": n.kind },
        h("div", { class: "inbox-text" }, n.text, n.kind === "result_confirm" && n.payload?.match_id ? this.resultActions(n) : null),
        h("time", { class: "muted", dateTime: n.created_at }, when(n.created_at)),
      );
      li.addEventListener("click", async () => {
        if (!n.read) await this.markRead([n.id]);
        if (path && path !== "/inbox") navigate(path);
      });
      this.list.append(li);
    }
  },

  // Confirm / Dispute right in the inbox item (the match screen has them too).
  resultActions(n) {
    this.answered ??= new Map();   // match id -> result status, kept across re-renders
    const matchId = n.payload.match_id;
    const box = h("div", { class: "inbox-invite", "data-result-match": matchId });
    const answered = (result) => h("span", { class: "muted", "data-result-answered": result },
      result === "confirmed" ? t("Confirmed: it counts now.") : t("Disputed: the club's staff will check it."));
    if (this.answered.has(matchId)) { box.append(answered(this.answered.get(matchId))); return box; }
    const status = h("span", { class: "muted", role: "status" });
    const [confirmBtn, disputeBtn] = answerButtons(matchId, {
      onDone: async (match) => {
        this.answered.set(matchId, match.result_status);
        box.replaceChildren(answered(match.result_status));
        if (!n.read) await this.markRead([n.id]);
      },
      onError: (err) => { status.textContent = errorText(err); },
    });
    box.append(confirmBtn, disputeBtn, status);
    return box;
  },

  async markRead(ids) {
    try {
      const body = ids ? { ids } : { all: true };
      const result = await api.post("/api/notifications/read/", body);
      this.unread = result.unread;
      window.dispatchEvent(new CustomEvent("artel:unread", { detail: { unread: result.unread } }));
      for (const n of this.items) if (!ids || ids.includes(n.id)) n.read = true;
      this.renderList();
    } catch (err) {
      this.status.textContent = errorText(err);
    }
  },

  async refreshInvites() {
    try { this.renderInvites(await api.get("/api/invites/")); } catch { /* keep the old list */ }
  },

  renderInvites(invites) {
    this.invitesBox.textContent = "";
    if (!Array.isArray(invites) || !invites.length) return;
    this.invitesBox.append(h("h3", {}, t("Match invites")));
    for (const inv of invites) {
      const incoming = inv.from_user?.id !== this.userId;
      const row = h("div", { class: "inbox-invite", "data-invite": inv.id },
        h("div", {}, incoming
          ? `${inv.from_user.name}: ${inv.discipline_name}${inv.message ? ` — ${inv.message}` : ""}`
          : `${t("You invited")} ${inv.to_user.name}: ${inv.discipline_name}`));
      const act = (action) => async () => {
        try {
          await api.post(`/api/invites/${inv.id}/${action}/`);
          await this.refreshInvites();
        } catch (err) {
          this.status.textContent = errorText(err);
        }
      };
      if (incoming) {
        row.append(
          h("button", { class: "button", type: "button", "data-action": "accept", onclick: act("accept") }, t("Accept")),
          h("button", { class: "button secondary", type: "button", "data-action": "decline", onclick: act("decline") }, t("Decline")),
        );
      } else {
        row.append(h("button", { class: "button secondary", type: "button", "data-action": "cancel", onclick: act("cancel") }, t("Cancel")));
      }
      this.invitesBox.append(row);
    }
  },

  // "Tell me when a table of this kind is free tonight": one message, then the watch is done.
  renderWatches(watches) {
    this.watchBox.textContent = "";
    const kinds = [["pyramid", t("Pyramid")], ["pool", t("Pool")], ["snooker", t("Snooker")]];
    const active = new Map(watches.map((w) => [w.table_kind, w]));
    const buttons = kinds.map(([kind, label]) => {
      const watch = active.get(kind);
      return h("button", {
        class: watch ? "button" : "button secondary", type: "button", "data-watch": kind,
        "aria-pressed": watch ? "true" : "false",
        onclick: async () => {
          try {
            if (watch) await api.del(`/api/table-watches/${watch.id}/`);
            else await api.post("/api/table-watches/", { table_kind: kind });
            this.renderWatches(await api.get("/api/table-watches/"));
          } catch (err) {
            this.status.textContent = errorText(err);
          }
        },
      }, label);
    });
    this.watchBox.append(h("h3", {}, t("Tell me when a table is free tonight")), h("div", { class: "inbox-watch-kinds" }, buttons));
  },

  renderSettings(prefs) {
    const box = this.settingsBox;
    box.querySelectorAll(":scope > :not(summary)").forEach((n) => n.remove());
    const labels = KIND_LABELS();
    const tg = prefs.telegram || {};
    if (!tg.linked) box.append(h("p", { class: "muted" }, t("Open the app from our Telegram bot to get messages there.")));
    else if (!tg.enabled) box.append(h("p", { class: "muted", id: "inbox-tg-off" }, t("Bot messages are off. Send /start to the bot to turn them on.")));
    else if (!tg.reachable) box.append(h("p", { class: "muted", id: "inbox-tg-unreachable" }, t("The bot cannot reach you. Write /start to the bot to get messages again.")));

    const selects = {};
    const rows = Object.entries(labels).map(([kind, label]) => {
      const select = h("select", { name: kind, id: `pref-${kind}` },
        CHANNELS().map(([value, text]) => h("option", { value, selected: prefs.kinds?.[kind] === value }, text)));
      selects[kind] = select;
      return h("label", { class: "inbox-pref" }, h("span", {}, label), select);
    });
    const quietOn = h("input", { type: "checkbox", id: "quiet-on", checked: Boolean(prefs.quiet_hours) });
    const qStart = h("input", { type: "time", id: "quiet-start", value: prefs.quiet_hours?.start || "23:00" });
    const qEnd = h("input", { type: "time", id: "quiet-end", value: prefs.quiet_hours?.end || "08:00" });
    const saved = h("span", { class: "muted", id: "inbox-settings-saved", role: "status" });
    const save = h("button", { class: "button", type: "submit", id: "inbox-settings-save" }, t("Save"));
    const form = h("form", { id: "inbox-settings-form" },
      rows,
      h("fieldset", {},
        h("legend", {}, t("Quiet hours")),
        h("label", {}, quietOn, " ", t("Do not disturb")),
        h("div", {}, qStart, " – ", qEnd),
        h("p", { class: "muted" }, `${t("Club time")}: ${prefs.time_zone || ""}`)),
      save, " ", saved);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      save.disabled = true;
      saved.textContent = "";
      const kinds = Object.fromEntries(Object.entries(selects).map(([k, s]) => [k, s.value]));
      const body = { kinds, quiet_hours: quietOn.checked ? { start: qStart.value, end: qEnd.value } : null };
      try {
        const fresh = await api.patch("/api/me/notifications/", body);
        saved.textContent = t("Saved.");
        prefs.kinds = fresh.kinds;
        prefs.quiet_hours = fresh.quiet_hours;
      } catch (err) {
        saved.textContent = errorText(err);
      } finally {
        save.disabled = false;
      }
    });
    box.append(form);
  },
};
