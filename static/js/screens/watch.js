// The Watch screen: /watch lists the live matches you may watch; /watch/<id> shows one match live
// over /ws/ (topic match:<id>). `scoreboard()` is shared with the Play screen and the TV page.
import { api } from "../api.js";
import { adoptStyle, fmt, h, screenRoot, shotClock, t } from "../dom.js";
import { realtime } from "../realtime.js";
import { mountResultPanel } from "./result.js";

const LIST_REFRESH_MS = 10000;

// The scoreboard's CSS, adopted as a constructed stylesheet (the CSP allows the CSSOM).
export const STYLE = `
.board { background: var(--secondary-bg); border-radius: 14px; padding: 12px; margin: 8px 0 12px; }
.board-head { display: flex; justify-content: space-between; font-size: 13px; color: var(--hint); }
.board-sides { display: grid; grid-template-columns: 1fr auto 1fr; align-items: center; gap: 8px; margin-top: 6px; }
.board-side { text-align: center; }
.board-side .name { font-weight: 600; font-size: 15px; overflow-wrap: anywhere; }
.board-side.at-table .name::after { content: " ●"; color: var(--free); }
.board-side.winner .name::before { content: "🏆 "; }
.board-big { font: 700 44px/1.1 system-ui, sans-serif; font-variant-numeric: tabular-nums; }
.board-small { font-size: 14px; color: var(--hint); font-variant-numeric: tabular-nums; }
.board-sep { font: 700 28px/1 system-ui, sans-serif; color: var(--hint); }
.board-facts { display: flex; flex-wrap: wrap; gap: 6px 12px; justify-content: center; font-size: 13px; margin-top: 8px; }
.board-facts .warn { color: var(--busy); font-weight: 600; }
.board-status { text-align: center; font-weight: 600; margin-top: 6px; }
.watch-list a { display: block; text-decoration: none; color: inherit; }
.board-result { background: var(--secondary-bg); border-radius: 14px; padding: 8px 12px; margin: 0 0 12px; }
.board-result .result-actions { display: flex; gap: 8px; }
.board-result .result-actions .button { flex: 1 1 0; margin: 0; }
`;

export const family = (discipline) =>
  discipline.startsWith("pyramid") ? "pyramid" : discipline.startsWith("pool") ? "pool" : discipline;

export function sideName(match, i) {
  const side = match.sides?.[i];
  return side ? side.label || side.guest || "—" : (i === 0 ? t("Side 1") : t("Side 2"));
}

function formatLabel(match) {
  const f = match.format || {};
  if (f.points_to) return fmt("to %(n)s points", { n: f.points_to });
  if (match.discipline === "snooker") return fmt("best of %(n)s", { n: f.best_of });
  return fmt("race to %(n)s", { n: f.race_to });
}

// The scoreboard of `match` (the API/snapshot shape) with `state` (its current engine state).
export function scoreboard(match, state = match.state, status = match.status, winner = match.winner) {
  const fam = family(match.discipline);
  const points = fam === "straight_pool";
  const side = (i) => {
    const big = points ? state.score[i] : state.frames[i];
    const small = points ? null : (fam === "pool" ? null : state.score[i]);
    return h("div", {
      class: `board-side${state.at_table === i && status === "live" ? " at-table" : ""}${winner === i ? " winner" : ""}`,
      dataset: { side: i },
    },
      h("div", { class: "name" }, sideName(match, i)),
      h("div", { class: "board-big", dataset: { role: `big-${i}` } }, big),
      small !== null ? h("div", { class: "board-small", dataset: { role: `score-${i}` } }, fmt("points %(n)s", { n: small })) : null,
    );
  };
  const facts = [];
  const fouls = state.fouls || [0, 0];
  if (fouls[0] || fouls[1]) facts.push(h("span", { dataset: { role: "fouls" } }, fmt("fouls %(a)s : %(b)s", { a: fouls[0], b: fouls[1] })));
  if (fam === "pool" && match.discipline !== "pool_8") {
    [0, 1].forEach((i) => { if (fouls[i] === 2) facts.push(h("span", { class: "warn" }, fmt("%(name)s is on two fouls", { name: sideName(match, i) }))); });
  }
  if (fam === "pyramid" && state.owed && (state.owed[0] || state.owed[1])) facts.push(h("span", {}, fmt("owed balls %(a)s : %(b)s", { a: state.owed[0], b: state.owed[1] })));
  if (fam === "snooker") {
    facts.push(h("span", { dataset: { role: "ball-on" } }, fmt("ball on: %(ball)s", { ball: t(state.ball_on) })));
    facts.push(h("span", { dataset: { role: "remaining" } }, fmt("remaining %(n)s", { n: state.points_remaining })));
    if (state.break) facts.push(h("span", {}, fmt("break %(n)s", { n: state.break })));
    [0, 1].forEach((i) => {
      if (state.snookers_required?.[i]) facts.push(h("span", { class: "warn", dataset: { role: `snookers-${i}` } }, fmt("%(name)s needs snookers", { name: sideName(match, i) })));
    });
    if (state.respotted_black) facts.push(h("span", { class: "warn" }, t("re-spotted black")));
  }
  if (points && state.high_run) facts.push(h("span", {}, fmt("high run %(a)s : %(b)s", { a: state.high_run[0], b: state.high_run[1] })));
  if (!points && fam !== "pool") facts.push(h("span", {}, fmt("frame %(n)s", { n: state.frame_no })));
  let statusText = null;
  if (status === "finished") statusText = winner === null || winner === undefined ? t("Finished") : fmt("%(name)s wins", { name: sideName(match, winner) });
  if (status === "abandoned") statusText = t("Abandoned");
  return h("div", { class: "board", dataset: { status, version: match.version ?? "" } },
    h("div", { class: "board-head" },
      h("span", {}, `${match.discipline_label || match.discipline} · ${formatLabel(match)}`),
      h("span", {}, match.table ? fmt("table %(n)s", { n: match.table.number }) : ""),
    ),
    h("div", { class: "board-sides" }, side(0), h("div", { class: "board-sep" }, ":"), side(1)),
    facts.length ? h("div", { class: "board-facts" }, facts) : null,
    statusText ? h("div", { class: "board-status", dataset: { role: "status" } }, statusText) : null,
  );
}

// The banner for a match:<id> topic that refused us (watchMatch's onError).
export function watchError(err) {
  return h("div", { class: "error-banner" },
    err.code === "forbidden" ? t("You may not watch this match.") : t("This match does not exist."));
}

// A live view of one match: calls render(match) on the snapshot and after every update.
export function watchMatch(matchId, render, onError = () => {}) {
  let match = null;
  return realtime.subscribe(`match:${matchId}`, (msg) => {
    if (msg.type === "error") { onError(msg); return; }
    if (msg.type === "snapshot") match = { ...msg.data, version: msg.version };
    else if (msg.type === "update" && match && msg.version > match.version) {
      match = { ...match, state: msg.data.state, status: msg.data.status, winner: msg.data.winner,
        version: msg.version, last_event: msg.data.event };
    } else return;
    render(match);
  });
}

let cleanup = [];

function unmountAll() { cleanup.forEach((fn) => fn()); cleanup = []; }

async function mountList(root) {
  const list = h("div", { class: "watch-list" }, h("p", { class: "muted" }, t("Loading…")));
  root.append(list);
  const boards = new Map();   // match id -> unsubscribe
  const refresh = async () => {
    let data;
    try { data = await api.get("/api/matches/?status=live&page_size=50"); } catch { return; }
    const ids = new Set(data.results.map((m) => m.id));
    for (const [id, off] of boards) if (!ids.has(id)) { off(); boards.delete(id); list.querySelector(`[data-match="${id}"]`)?.remove(); }
    list.querySelector("p.muted")?.remove();
    if (!data.results.length && !list.querySelector("[data-match]")) list.append(h("p", { class: "muted" }, t("No match is being played right now.")));
    for (const m of data.results) {
      if (boards.has(m.id)) continue;
      list.querySelector("p.muted")?.remove();
      const link = h("a", { href: `/watch/${m.id}`, "data-nav": "watch", dataset: { match: m.id } }, scoreboard(m));
      list.append(link);
      boards.set(m.id, watchMatch(m.id, (live) => link.replaceChildren(scoreboard(live))));
    }
  };
  await refresh();
  const timer = setInterval(refresh, LIST_REFRESH_MS);
  cleanup.push(() => { clearInterval(timer); boards.forEach((off) => off()); });
}

function mountOne(root, id) {
  const holder = h("div", { id: "watch-board" }, h("p", { class: "muted" }, t("Loading…")));
  const log = h("p", { class: "muted", id: "watch-last" });
  // Where a finished result stands, with Confirm / Dispute for the other side (result.js).
  const resultBox = h("div", { id: "watch-result", class: "board-result", hidden: "" });
  const clock = shotClock({ id: "watch-clock" });
  root.append(holder, clock.el, resultBox, log, h("a", { href: "/watch", "data-nav": "watch" }, t("All live matches")));
  cleanup.push(() => clock.stop());
  const panel = mountResultPanel(resultBox, id);
  let status = null;
  const off = watchMatch(id, (match) => {
    holder.replaceChildren(scoreboard(match));
    clock.update(match.state, match.version, match.status);
    if (match.last_event) log.textContent = fmt("Last: %(type)s", { type: t(match.last_event.type) });
    if (status !== null && status !== match.status) panel.statusChanged();
    status = match.status;
  }, (err) => {
    holder.replaceChildren(watchError(err));
  });
  cleanup.push(off, panel.stop);
}

export const watch = {
  async mount(el, params) {
    unmountAll();
    adoptStyle("board-style", STYLE);
    const root = screenRoot(el, "watch-root");
    root.replaceChildren();
    const id = Number(params[0]);
    if (id > 0) mountOne(root, id); else await mountList(root);
  },
  unmount() { unmountAll(); },
};
