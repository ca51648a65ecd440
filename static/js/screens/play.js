// The Play screen: /play starts a match (discipline, format, opponent by name or a guest, the table
// of the session you are in); /play/<id> is the scoring screen: big buttons per side for the
// discipline's events, undo, the live scoreboard. Every tap goes through ScoringQueue (stored
// locally, retried until acknowledged; see scoring-queue.js for the re-basing rule).
import { ApiError, api } from "../api.js";
import { adoptStyle, fmt, h, screenRoot, shotClock, t } from "../dom.js";
import { navigate } from "../router.js";
import { realtime } from "../realtime.js";
import { ScoringQueue } from "../scoring-queue.js";
import { haptic } from "../telegram.js";
import { family, scoreboard, sideName, STYLE as BOARD_STYLE, watchError } from "./watch.js";

const STYLE = `
.play-form label { display: block; margin: 10px 0 4px; font-size: 14px; color: var(--hint); }
.play-form select, .play-form input { width: 100%; font: inherit; padding: 10px; border-radius: 10px;
  border: 1px solid rgba(127,127,127,.4); background: var(--bg); color: var(--text); }
.play-results button { display: block; width: 100%; text-align: left; margin: 4px 0; padding: 10px; border-radius: 8px;
  border: 1px solid rgba(127,127,127,.3); background: var(--bg); color: var(--text); font: inherit; }
.play-results button.chosen { border-color: var(--button); outline: 2px solid var(--button); }
.pads { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.pad { display: flex; flex-direction: column; gap: 6px; }
.pad h3 { margin: 0; font-size: 14px; text-align: center; overflow-wrap: anywhere; }
.pad[data-active="false"] { opacity: .45; }
.tap { min-height: 56px; border: 0; border-radius: 12px; font: 600 18px/1.1 system-ui, sans-serif;
  background: var(--button); color: var(--button-text); touch-action: manipulation; }
.tap.minor { min-height: 44px; font-size: 15px; background: var(--secondary-bg); color: var(--text); }
.tap.foul { background: #b54708; color: #fff; }
.tap:disabled { opacity: .4; }
.tap.ball { color: #fff; text-shadow: 0 1px 2px rgba(0,0,0,.6); }
.play-bar { display: flex; gap: 8px; margin: 12px 0; }
.play-bar .tap { flex: 1; }
.play-line { font-size: 13px; color: var(--hint); min-height: 18px; }
.play-notice { margin: 6px 0; padding: 10px 12px; border-radius: 8px; background: #fff4e5; color: #7a4100; }
.rule-notice { margin: 6px 0; padding: 8px 12px; border-radius: 8px; background: var(--secondary-bg); font-size: 14px; }
.tap.choice { background: #1b5e20; color: #fff; }
.tap.toggled { outline: 3px solid #b54708; }
`;
const BALL_COLOURS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", brown: "#6d4c41",
  blue: "#1565c0", pink: "#ec407a", black: "#212121" };
const SNOOKER_VALUES = { red: 1, yellow: 2, green: 3, brown: 4, blue: 5, pink: 6, black: 7 };
const DISCIPLINES = [
  ["pool_9", () => t("9-ball")], ["pool_8", () => t("8-ball")], ["pool_10", () => t("10-ball")],
  ["pyramid_moscow", () => t("Moscow pyramid")], ["pyramid_nevskaya", () => t("Nevskaya pyramid")],
  ["pyramid_free", () => t("Free pyramid")], ["straight_pool", () => t("Straight pool (14.1)")],
  ["snooker", () => t("Snooker")],
];
const EVENT_LABEL = {
  pot: () => t("pot"), foul: () => t("foul"), rack: () => t("rack"), end_turn: () => t("miss"),
  concede_frame: () => t("frame conceded"), concede_match: () => t("match conceded"), undo: () => t("undo"),
  correction: () => t("correction"), abandon: () => t("abandoned"),
  foul_choice: () => t("choice after a foul"), push_out: () => t("push-out"),
  push_out_choice: () => t("choice after a push-out"), lag: () => t("lag for the break"),
  time_foul: () => t("time foul"), clock_extension: () => t("shot clock extension"),
};
// What the rules announce (the engines' notice codes).
const NOTICE_TEXT = {
  foul_choice: () => t("Foul: %(name)s chooses — play on, or the opponent plays again."),
  three_miss_warning: () => t("Warning to %(name)s: a third miss from this position gives the frame to the opponent."),
  respotted_black: () => t("Re-spotted black: the next score or foul wins the frame."),
  snookers_required: () => t("%(name)s needs snookers."),
  owes_ball: () => t("%(name)s owes a ball."),
  three_foul_warning: () => t("Warning to %(name)s: two fouls in a row, a third loses."),
  ball_in_hand: () => t("Ball in hand: %(name)s."),
  push_out_choice: () => t("Push-out: %(name)s chooses to play or pass it back."),
  break: () => t("%(name)s breaks."),
  ten_on_break_respotted: () => t("The 10 pocketed on the break is re-spotted."),
  eight_on_break_respotted: () => t("The 8 pocketed on the break is re-spotted."),
};
const CHOICE_LABEL = {
  play: () => t("I play on"), put_back: () => t("Opponent plays again"), replace: () => t("Replace the balls"),
  pass: () => t("Pass it back"),
};
const HOW_LABEL = { break_and_run: () => t("Break & run"), foul: () => t("Won on a foul"),
  golden_break: () => t("Golden break"), eight_on_break: () => t("8 on the break") };

let cleanup = [];
const unmountAll = () => { cleanup.forEach((fn) => fn()); cleanup = []; };

// --- start a match -------------------------------------------------------------------------------

async function mountStart(root) {
  let context = { me: null, table: null };
  try { context = await api.get("/api/play/context/"); } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      root.append(h("p", {}, t("Sign in to start and score a match.")),
        h("a", { class: "button secondary", href: "/watch", "data-nav": "watch" }, t("Watch live matches")));
      return;
    }
  }
  try {
    const mine = await api.get("/api/matches/?mine=1&status=live");
    if (mine.results.length) {
      root.append(h("h3", {}, t("Your live matches")),
        ...mine.results.map((m) => h("a", { href: `/play/${m.id}`, "data-nav": "play", class: "watch-list" }, scoreboard(m))));
    }
  } catch { /* the form still works */ }

  let opponent = null;
  const discipline = h("select", { id: "play-discipline" },
    DISCIPLINES.map(([value, label]) => h("option", { value }, label())));
  const formatInput = h("input", { id: "play-format", type: "number", min: "1", max: "1000", value: "3", inputmode: "numeric" });
  const formatLabel = h("label", { for: "play-format" });
  const syncFormat = () => {
    const d = discipline.value;
    if (d === "straight_pool") { formatLabel.textContent = t("Points to win"); formatInput.value = "100"; }
    else if (d === "snooker") { formatLabel.textContent = t("Best of (frames, odd)"); formatInput.value = "3"; }
    else { formatLabel.textContent = t("Race to (frames)"); formatInput.value = "3"; }
  };
  discipline.addEventListener("change", syncFormat);
  syncFormat();

  // The match's rule settings (issue 19): only those the discipline has; defaults are the rule books'.
  const breakOrder = h("select", { id: "play-break-order" },
    h("option", { value: "alternate" }, t("Alternate break")),
    h("option", { value: "winner" }, t("Winner breaks")),
    h("option", { value: "loser" }, t("Loser breaks")));
  const golden = h("input", { id: "play-golden-break", type: "checkbox" });
  const eightOnBreak = h("select", { id: "play-eight-on-break" },
    h("option", { value: "respot" }, t("8 on the break: re-spotted")),
    h("option", { value: "win" }, t("8 on the break: wins the rack")));
  const clockSeconds = h("input", { id: "play-shot-clock", type: "number", min: "10", max: "120", inputmode: "numeric", placeholder: t("no shot clock") });
  const clockExtensions = h("input", { id: "play-extensions", type: "number", min: "0", max: "5", value: "1", inputmode: "numeric" });
  const rows = {
    breakOrder: h("div", {}, h("label", { for: "play-break-order" }, t("Who breaks the next frame")), breakOrder),
    golden: h("div", {}, h("label", { for: "play-golden-break" }, golden, " ", t("Golden break (game ball on the break wins)"))),
    eight: h("div", {}, h("label", { for: "play-eight-on-break" }, t("8 pocketed on the break")), eightOnBreak),
    clock: h("div", {}, h("label", { for: "play-shot-clock" }, t("Shot clock, seconds per shot")), clockSeconds,
      h("label", { for: "play-extensions" }, t("Extensions per player per frame")), clockExtensions),
  };
  const syncRules = () => {
    const d = discipline.value;
    const fam = family(d);
    rows.breakOrder.hidden = !(fam === "pool" || fam === "pyramid");
    rows.golden.hidden = !(d === "pool_9" || d === "pool_10");
    golden.checked = d === "pool_9";   // WPA: 9 on a legal break wins; the 10 is re-spotted
    rows.eight.hidden = d !== "pool_8";
    rows.clock.hidden = d === "straight_pool";
  };
  discipline.addEventListener("change", syncRules);
  syncRules();
  const ruleSettings = () => {
    const d = discipline.value;
    const out = {};
    if (!rows.breakOrder.hidden && breakOrder.value !== "alternate") out.break_order = breakOrder.value;
    if (!rows.golden.hidden) out.golden_break = golden.checked;
    if (!rows.eight.hidden) out.eight_on_break = eightOnBreak.value;
    const secs = Number(clockSeconds.value);
    if (!rows.clock.hidden && clockSeconds.value !== "" && secs > 0) {
      out.shot_clock = { seconds: secs, extensions: Number(clockExtensions.value || 0) };
    }
    return d === "straight_pool" ? {} : out;
  };

  // The chance to win (issue 6): both sides registered players; hidden for a guest or on any error.
  const chance = h("p", { class: "muted", id: "play-chance", hidden: true, "aria-live": "polite" });
  let chanceSeq = 0;
  let chanceTimer = null;
  const updateChance = async () => {
    const seq = ++chanceSeq;
    if (!opponent || !context.me) { chance.hidden = true; return; }
    const d = discipline.value;
    const n = Number(formatInput.value);
    const raceTo = d === "straight_pool" ? null : d === "snooker" ? Math.ceil(n / 2) : n;
    let url = `/api/ratings/win-probability/?discipline=${d}&side_a=${context.me.id}&side_b=${opponent.id}`;
    if (Number.isInteger(raceTo) && raceTo >= 1 && raceTo <= 50) url += `&race_to=${raceTo}`;
    try {
      const p = await api.get(url);
      if (seq !== chanceSeq || !opponent) return;
      const pct = (x) => Math.round(x * 100);
      const mine = p.match ?? p.frame;
      chance.textContent = p.match === null || p.match === undefined
        ? fmt("Chance to win a frame: you %(me)s % · %(name)s %(them)s %", { me: pct(mine), name: opponent.display_name, them: 100 - pct(mine) })
        : fmt("Chance to win: you %(me)s % · %(name)s %(them)s % (frame %(frame)s %)", { me: pct(mine), name: opponent.display_name, them: 100 - pct(mine), frame: pct(p.frame) });
      chance.hidden = false;
    } catch { if (seq === chanceSeq) chance.hidden = true; }
  };
  discipline.addEventListener("change", updateChance);
  formatInput.addEventListener("input", () => { clearTimeout(chanceTimer); chanceTimer = setTimeout(updateChance, 300); });

  const search = h("input", { id: "play-opponent", type: "search", placeholder: t("Opponent's name"), autocomplete: "off" });
  const results = h("div", { class: "play-results" });
  const guest = h("input", { id: "play-guest", type: "text", maxlength: "64", placeholder: t("…or a guest's name") });
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    opponent = null;
    updateChance();
    searchTimer = setTimeout(async () => {
      const q = search.value.trim();
      if (q.length < 2) { results.replaceChildren(); return; }
      try {
        const data = await api.get(`/api/players/?q=${encodeURIComponent(q)}`);
        results.replaceChildren(...data.results.filter((p) => p.id !== context.me?.id).map((p) =>
          h("button", { type: "button", dataset: { player: p.id }, onclick: (e) => {
            opponent = p;
            results.querySelectorAll("button").forEach((b) => b.classList.toggle("chosen", b === e.currentTarget));
            guest.value = "";
            updateChance();
          } }, p.display_name)));
        if (!data.results.length) results.replaceChildren(h("p", { class: "muted" }, t("Nobody found; enter a guest instead.")));
      } catch { /* keep typing */ }
    }, 250);
  });
  guest.addEventListener("input", () => {
    if (!guest.value.trim() || !opponent) return;
    opponent = null;   // a guest replaces the chosen player
    results.querySelectorAll("button.chosen").forEach((b) => b.classList.remove("chosen"));
    updateChance();
  });
  const visibility = h("select", { id: "play-visibility" },
    h("option", { value: "public" }, t("Anyone may watch")),
    h("option", { value: "club" }, t("Signed-in players may watch")),
    h("option", { value: "private" }, t("Only us and staff")));
  const error = h("div", { class: "error-banner", hidden: true });
  const start = h("button", { class: "button", type: "submit", id: "play-start" }, t("Start the match"));
  const form = h("form", { class: "play-form", onsubmit: async (e) => {
    e.preventDefault();
    error.hidden = true;
    const n = Number(formatInput.value);
    const d = discipline.value;
    const format = { ...(d === "straight_pool" ? { points_to: n } : d === "snooker" ? { best_of: n } : { race_to: n }), ...ruleSettings() };
    const other = opponent ? { players: [opponent.id] } : guest.value.trim() ? { guest: guest.value.trim() } : null;
    if (!other) { error.textContent = t("Choose an opponent or enter a guest's name."); error.hidden = false; return; }
    start.disabled = true;
    try {
      const match = await api.post("/api/matches/", {
        discipline: d, format, sides: [{ players: [context.me.id] }, other],
        table: context.table?.id ?? null, visibility: visibility.value,
      });
      haptic.success();
      await navigate(`/play/${match.id}`);
    } catch (err) {
      error.textContent = err.detail || t("The match could not be started.");
      error.hidden = false;
      start.disabled = false;
    }
  } },
    h("h3", {}, t("New match")),
    h("label", { for: "play-discipline" }, t("Discipline")), discipline,
    formatLabel, formatInput,
    h("details", { id: "play-rules" }, h("summary", {}, t("Rules")), rows.breakOrder, rows.golden, rows.eight, rows.clock),
    h("label", { for: "play-opponent" }, t("Opponent")), search, results, guest, chance,
    h("label", { for: "play-visibility" }, t("Who may watch")), visibility,
    h("p", { class: "muted" }, context.table ? fmt("At table %(n)s (your session).", { n: context.table.number }) : t("No table: you are not in a table session.")),
    error, start,
  );
  root.append(form, h("a", { href: "/watch", "data-nav": "watch" }, t("Watch live matches")));
}

// --- the scoring screen --------------------------------------------------------------------------

// The pads offer exactly the engine's legal actions (`match.legal`, sent with every state): one
// button per event the rules allow this side now, with the values they allow.
function padButtons(match, side, tap, ui) {
  const fam = family(match.discipline);
  const b = (label, event, cls = "", extra = {}) =>
    h("button", { type: "button", class: `tap ${cls}`, dataset: { action: event.type, side, ...extra },
      onclick: () => tap({ ...event, side }) }, label);
  const mine = (match.legal?.actions || []).filter((a) => a.sides.includes(side));
  const out = [];
  for (const a of mine) {
    if (a.type === "foul_choice" || a.type === "push_out_choice") {
      for (const c of a.choices) out.push(b(CHOICE_LABEL[c](), { type: a.type, choice: c }, "choice", { choice: c }));
    } else if (a.type === "pot" && a.balls) {
      for (const ball of a.balls) {
        const btn = b(`${t(ball)} ${SNOOKER_VALUES[ball]}`, { type: "pot", ball }, "ball", { ball });
        btn.style.background = BALL_COLOURS[ball];
        out.push(btn);
      }
      for (const ball of a.free_balls || []) {
        out.push(b(fmt("Free ball: %(ball)s", { ball: t(ball) }), { type: "pot", ball, free_ball: true }, "minor", { ball, free: 1 }));
      }
    } else if (a.type === "pot") {
      if (fam === "pool") continue;  // pool scorers record racks and fouls, not every ball
      out.push(b("+1", { type: "pot", count: 1 }));
      if (a.max_count >= 2) out.push(b("+2", { type: "pot", count: 2 }, "minor", { count: 2 }));
      if (a.bonus) out.push(b(t("Bonus ball"), { type: "pot", count: 1, bonus: true }, "minor", { bonus: 1 }));
    } else if (a.type === "foul" && a.min_value) {
      const miss = ui.miss[side];
      const flags = miss === 0 ? {} : miss === 1 ? { miss: true } : { miss: true, clear: true };
      for (let v = a.min_value; v <= a.max_value; v++) {
        out.push(b(fmt("Foul %(n)s", { n: v }), { type: "foul", value: v, ...flags }, "minor foul", { value: v }));
      }
      const label = [t("Miss not called"), t("Foul and a miss"), t("Miss, clear ball on")][miss];
      out.push(h("button", { type: "button", class: `tap minor${miss ? " toggled" : ""}`, dataset: { action: "miss-toggle", side },
        onclick: () => ui.toggleMiss(side) }, label));
    } else if (a.type === "foul") {
      out.push(b(t("Foul"), { type: "foul" }, "foul"));
      if (a.break) out.push(b(t("Break foul"), { type: "foul", break: true }, "minor foul", { brk: 1 }));
      if (a.eight_ball?.includes("early")) out.push(b(t("8 early"), { type: "foul", eight_ball: "early" }, "minor foul", { how: "eight-early" }));
      if (a.eight_ball?.includes("scratch")) out.push(b(t("8 + scratch"), { type: "foul", eight_ball: "scratch" }, "minor foul", { how: "eight-scratch" }));
    } else if (a.type === "rack") {
      out.push(b(t("Rack"), { type: "rack" }));
      for (const how of a.hows) {
        if (how === "foul") continue;  // a rack won on a foul is recorded by the three-foul rule or the 8
        out.push(b(HOW_LABEL[how](), { type: "rack", how }, "minor", { how }));
      }
    } else if (a.type === "end_turn") {
      out.push(b(fam === "pool" ? t("Clean shot") : t("Miss"), { type: "end_turn" }, "minor"));
    } else if (a.type === "push_out") {
      out.push(b(t("Push out"), { type: "push_out" }, "minor"));
    } else if (a.type === "lag") {
      out.push(b(t("Breaks first"), { type: "lag" }, "minor"));
    } else if (a.type === "time_foul") {
      out.push(b(t("Time foul"), { type: "time_foul" }, "minor foul"));
    } else if (a.type === "clock_extension") {
      out.push(b(t("Extension"), { type: "clock_extension" }, "minor"));
    }
  }
  return out;
}

function mountScoring(root, id) {
  let match = null;          // the server's truth as last seen (snapshot, update, ack or 409)
  const board = h("div", { id: "play-board" }, h("p", { class: "muted" }, t("Loading…")));
  const pads = h("div", { class: "pads", id: "play-pads" });
  const line = h("div", { class: "play-line", id: "play-pending" });
  const notices = h("div", { id: "play-notices" });
  const ruleNotices = h("div", { id: "play-rule-notices", "aria-live": "polite" });
  const clock = shotClock({ id: "play-clock" });
  const ui = { miss: [0, 0], toggleMiss: (side) => { ui.miss[side] = (ui.miss[side] + 1) % 3; render(); } };

  const undo = h("button", { type: "button", class: "tap minor", id: "play-undo", dataset: { action: "undo" },
    onclick: () => {
      // A finished result is reopened only when the other side agrees (or staff): ask first.
      if (match?.status === "finished" && !confirm(t("The match is over. Undo reopens it once the other side agrees (or staff). Ask to reopen?"))) return;
      tap({ type: "undo" });
    } }, t("Undo"));
  const moreBody = h("div", {});
  const more = h("details", {}, h("summary", { class: "muted" }, t("More")), moreBody);
  const renderMore = () => {
    moreBody.replaceChildren(
      h("div", { class: "play-bar" }, [0, 1].map((side) => h("button", { type: "button", class: "tap minor",
        dataset: { action: "concede_frame", side }, onclick: () => tap({ type: "concede_frame", side }) },
      fmt("%(name)s concedes the frame", { name: sideName(match, side) })))),
      h("div", { class: "play-bar" }, [0, 1].map((side) => h("button", { type: "button", class: "tap minor",
        dataset: { action: "concede_match", side },
        onclick: () => { if (confirm(t("Concede the whole match?"))) tap({ type: "concede_match", side }); } },
      fmt("%(name)s concedes the match", { name: sideName(match, side) })))));
  };
  let canScore = false;   // from the REST read (same credentials as the writes)
  root.append(board, clock.el, ruleNotices, line, notices, pads, h("div", { class: "play-bar" }, undo), more,
    h("a", { href: `/watch/${id}`, "data-nav": "watch" }, t("Share: watch this match")));

  const notice = (text) => {
    const el = h("div", { class: "play-notice", role: "status" }, text);
    notices.append(el);
    setTimeout(() => el.remove(), 8000);
  };
  const describe = (event) => {
    const who = match && event.side !== undefined ? sideName(match, event.side) : "";
    return `${(EVENT_LABEL[event.type] || (() => event.type))()}${who ? ` — ${who}` : ""}`;
  };
  const adopt = (version, patch) => {
    if (!match || version <= match.version) return;
    match = { ...match, ...patch, version };
    render();
  };

  const queue = new ScoringQueue(id, {
    onAck: (body) => adopt(body.version, { state: body.state, legal: body.legal, status: body.status, winner: body.winner }),
    onConflict: (body) => {
      if (body?.code === "version_conflict" && body.state) {
        adopt(body.version, { state: body.state, legal: null, status: body.status ?? match.status });
        refresh();  // a conflict answer has no legal actions: read them
      }
    },
    onDrop: (item, err) => {
      haptic.error();
      if (err.code === "version_conflict") notice(fmt("Not recorded: %(what)s. The match changed meanwhile (another scorer?). Check the score and tap again.", { what: describe(item.event) }));
      else if (err.code === "reopen_needs_agreement") notice(t("The other side has been asked to agree; the match reopens when they do."));
      else if (err.code === "match_finished") notice(fmt("Not recorded: %(what)s. The match is over.", { what: describe(item.event) }));
      else notice(fmt("Not recorded: %(what)s. %(why)s", { what: describe(item.event), why: err.detail || "" }));
    },
    onChange: (items) => {
      line.textContent = items.length
        ? fmt("Sending %(n)s: %(what)s", { n: items.length, what: items.map((i) => describe(i.event)).join(", ") })
        : navigator.onLine === false ? t("Offline") : "";
      line.dataset.pending = String(items.length);
    },
  });
  queue.onChange(queue.pending);
  cleanup.push(() => queue.stop());

  function tap(event) {
    if (!match) return;
    haptic.impact();
    queue.enqueue(event, { seen: match.version });
  }

  function renderNotices() {
    const list = match.legal?.notices || [];
    ruleNotices.replaceChildren(...list.map((n) => h("div", { class: "rule-notice", dataset: { notice: n.code } },
      fmt((NOTICE_TEXT[n.code] || (() => n.code))(), { name: n.side === undefined ? "" : sideName(match, n.side) }))));
  }

  function render() {
    board.replaceChildren(scoreboard(match));
    clock.update(match.state, match.version, match.status);
    renderNotices();
    board.dataset.version = String(match.version);
    board.dataset.status = match.status;
    const state = match.state;
    const live = match.status === "live";
    const scorer = canScore || match.can_score;
    undo.disabled = !scorer || match.version === 0 || match.status === "abandoned";
    if (!scorer) {
      pads.replaceChildren(h("p", { class: "muted" }, t("You are watching: only the players and staff score this match.")));
      return;
    }
    pads.replaceChildren(...[0, 1].map((side) => {
      const active = live && (state.at_table === null || state.at_table === undefined || state.at_table === side);
      const buttons = padButtons(match, side, tap, ui);
      buttons.forEach((btn) => { btn.disabled = !live; });
      return h("div", { class: "pad", dataset: { active: String(active), side } },
        h("h3", {}, sideName(match, side)), buttons);
    }));
    more.hidden = !live;
    renderMore();
  }

  // The topic's updates carry the legal actions with the state (`legal`).
  const off = realtime.subscribe(`match:${id}`, (msg) => {
    if (msg.type === "error") { board.replaceChildren(watchError(msg)); return; }
    let live;
    if (msg.type === "snapshot") live = { ...msg.data, version: msg.version };
    else if (msg.type === "update") {
      live = { state: msg.data.state, legal: msg.data.legal, status: msg.data.status, winner: msg.data.winner,
        version: msg.version, last_event: msg.data.event };
    } else return;
    const cid = live.last_event?.client_event_id;
    if (cid && queue.pending.some((i) => i.cid === cid)) queue.markApplied(cid);
    if (!match || live.version >= match.version) {
      match = { ...(match || {}), ...live };
      render();
    }
  });
  cleanup.push(off);
  cleanup.push(() => clock.stop());
  function refresh() {
    api.get(`/api/matches/${id}/`).then((m) => {
      if (!match || m.version >= match.version) { match = { ...match, ...m }; render(); }
    }).catch(() => {});
  }
  // The socket may be slow or down: the REST read gives the screen something to show at once.
  api.get(`/api/matches/${id}/`).then((m) => {
    canScore = m.can_score;
    if (!match || m.version > match.version) match = m;
    render();
  }).catch(() => {});
  const onOnline = () => queue.onChange(queue.pending);
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOnline);
  cleanup.push(() => { window.removeEventListener("online", onOnline); window.removeEventListener("offline", onOnline); });
}

export const play = {
  async mount(el, params) {
    unmountAll();
    adoptStyle("board-style", BOARD_STYLE);
    adoptStyle("play-style", STYLE);
    const root = screenRoot(el, "play-root");
    root.replaceChildren();
    const id = Number(params[0]);
    if (id > 0) mountScoring(root, id); else await mountStart(root);
  },
  unmount() { unmountAll(); },
};
