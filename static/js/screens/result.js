// Result confirmation in the Mini App: the panel under a finished match (where its result stands;
// Confirm / Dispute for the other side; "Agree to reopen" when the first side asked to undo), and
// the answer buttons the Inbox shows on a "confirm this result" message. Both re-read the match
// when the `me` topic says its result changed.
import { api } from "../api.js";
import { fmt, hProps as h, t } from "../dom.js";
import { realtime } from "../realtime.js";

const uuid = () =>
  (crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(
    /[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

export function resultText(match) {
  const r = match.result;
  if (!r) return "";
  const side = (i) => match.sides?.[i]?.label || (i === 0 ? t("Side 1") : t("Side 2"));
  switch (r.status) {
    case "pending":
      return r.awaiting_side === null || r.awaiting_side === undefined
        ? t("Awaiting confirmation: it does not count for ratings yet.")
        : fmt("Awaiting confirmation by %(name)s: it does not count for ratings yet.", { name: side(r.awaiting_side) });
    case "confirmed": return t("Result confirmed: it counts for ratings and statistics.");
    case "disputed": return t("Result disputed: the club's staff will check it. Until then it does not count.");
    case "void": return t("Result voided by the club's staff: it does not count.");
    default: return "";
  }
}

// Confirm / Dispute as buttons; `done(match)` gets the answered match (or the error).
export function answerButtons(matchId, { onDone = () => {}, onError = () => {} } = {}) {
  const confirmBtn = h("button", { type: "button", class: "button", dataset: { result: "confirm" } }, t("Confirm"));
  const disputeBtn = h("button", { type: "button", class: "button secondary", dataset: { result: "dispute" } }, t("Dispute"));
  const act = async (action, ev) => {
    ev.stopPropagation();
    let body = {};
    if (action === "dispute") {
      const reason = window.prompt(t("What was wrong with this result? (optional)"), "");
      if (reason === null) return;
      body = { reason: reason.slice(0, 500) };
    }
    confirmBtn.disabled = disputeBtn.disabled = true;
    try {
      onDone(await api.post(`/api/matches/${matchId}/${action}/`, body));
    } catch (err) {
      confirmBtn.disabled = disputeBtn.disabled = false;
      onError(err);
    }
  };
  confirmBtn.addEventListener("click", (ev) => act("confirm", ev));
  disputeBtn.addEventListener("click", (ev) => act("dispute", ev));
  return [confirmBtn, disputeBtn];
}

// The panel under the scoreboard of /watch/<id>. Returns an unsubscribe function.
export function mountResultPanel(holder, matchId) {
  let match = null;
  const render = () => {
    holder.replaceChildren();
    if (!match || !match.result) { holder.hidden = true; return; }
    holder.hidden = false;
    const r = match.result;
    holder.dataset.resultStatus = r.status;
    holder.append(h("p", { class: "result-text", dataset: { role: "result-text" } }, resultText(match)));
    const status = h("p", { class: "muted", role: "status" });
    if (r.can_confirm || r.can_dispute) {
      const [c, d] = answerButtons(matchId, {
        onDone: (m) => { match = m; render(); },
        onError: (err) => { status.textContent = err.detail || t("Could not send. Please try again."); },
      });
      d.hidden = !r.can_dispute;
      holder.append(h("div", { class: "play-bar result-actions" }, c, d));
    }
    if (r.can_agree_reopen) {
      const agree = h("button", { type: "button", class: "button secondary", dataset: { result: "reopen" } },
        t("Agree to reopen the match"));
      agree.addEventListener("click", async () => {
        agree.disabled = true;
        try {
          await api.post(`/api/matches/${matchId}/undo/`, { expected_version: match.version, client_event_id: uuid() });
        } catch (err) {
          status.textContent = err.detail || "";
        }
        load();
      });
      holder.append(h("p", {}, t("The other side asks to reopen this match (an undo of its last event)."), " ", agree));
    }
    holder.append(status);
  };
  const load = async () => {
    try { match = await api.get(`/api/matches/${matchId}/`); } catch { return; }
    render();
  };
  load();
  const off = realtime.subscribe("me", (msg) => {
    if (msg?.type === "update" && msg.data?.kind === "match_result" && msg.data.match_id === matchId) load();
  });
  return {
    // The match topic said the status changed (finished / reopened): read the result again.
    statusChanged: load,
    stop: off,
  };
}
