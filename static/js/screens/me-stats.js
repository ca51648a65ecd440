// My statistics inside the Me screen (#me-stats-root): per discipline family, the rating with its
// history sparkline, records, and achievements. Mounts itself whenever the Me screen is shown
// (the Me screen's own module renders the profile above it), and refreshes when the `me` topic
// announces a new achievement, a result's confirmation or recomputed stats. Results that do not
// count yet (awaiting the other side, disputed) are listed above the statistics. Also exports the renderers the player page reuses.
import { api } from "../api.js";
import { adoptStyle, fmt, h, t } from "../dom.js";
import { realtime } from "../realtime.js";

const SVG = "http://www.w3.org/2000/svg";

// A constructed stylesheet (CSSOM): allowed by the strict CSP (style-src 'self').
const CSS = `
.stats-block { margin-top: 16px; }
.stats-tabs { display: flex; gap: 6px; overflow-x: auto; margin: 8px 0; }
.stats-tabs button { border: 0; border-radius: 16px; padding: 6px 12px; background: var(--secondary-bg, #eee);
  color: inherit; white-space: nowrap; }
.stats-tabs button.active { background: var(--button, #2481cc); color: var(--button-text, #fff); }
.stats-rating { display: flex; align-items: center; justify-content: space-between; gap: 12px; margin: 8px 0; }
.stats-rating-value { font-size: 28px; font-weight: 700; }
.stats-grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 8px 0; }
.stats-cell { background: var(--secondary-bg, #f3f3f3); border-radius: 10px; padding: 8px; text-align: center; }
.stats-cell b { display: block; font-size: 18px; }
.stats-cell span { font-size: 12px; color: var(--hint, #888); }
.stats-spark { width: 140px; height: 40px; }
.stats-spark polyline { fill: none; stroke: var(--button, #2481cc); stroke-width: 2; }
.stats-badges { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; }
.stats-badges li { background: var(--secondary-bg, #f3f3f3); border-radius: 10px; padding: 6px 10px; font-size: 14px; }
.stats-badges li.locked { opacity: 0.45; }
.lb-filters { display: flex; gap: 8px; margin: 8px 0; }
.lb-filters select { flex: 1; padding: 8px; border-radius: 8px; }
.lb-table { width: 100%; border-collapse: collapse; font-size: 14px; }
.lb-table td, .lb-table th { padding: 8px 4px; border-bottom: 1px solid var(--secondary-bg, #eee); text-align: right; }
.lb-table td:nth-child(2), .lb-table th:nth-child(2) { text-align: left; }
.lb-table tr.me td { font-weight: 700; }
.trend-up { color: #2e7d32; } .trend-down { color: #c62828; }
.h2h-bar { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: var(--secondary-bg, #eee); }
.h2h-bar .mine { background: var(--button, #2481cc); }
`;
export function ensureStyle() {
  adoptStyle("stats-style", CSS, { ifSupported: true });
}

export const FAMILIES = ["pyramid", "pool", "straight_pool", "snooker"];
export function familyLabel(f) {
  return { pyramid: t("Pyramid"), pool: t("Pool"), straight_pool: t("Straight pool"), snooker: t("Snooker") }[f] || f;
}

// An SVG polyline of the rating history (oldest → newest).
export function sparkline(points) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "stats-spark");
  svg.setAttribute("viewBox", "0 0 140 40");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("Rating history"));
  if (points.length < 2) return svg;
  const values = points.map((p) => p.rating);
  const lo = Math.min(...values), hi = Math.max(...values);
  const span = hi - lo || 1;
  const coords = values.map((v, i) =>
    `${((i / (values.length - 1)) * 136 + 2).toFixed(1)},${(38 - ((v - lo) / span) * 36).toFixed(1)}`);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", coords.join(" "));
  svg.append(line);
  return svg;
}

function cell(value, label) {
  return h("div", { class: "stats-cell" }, h("b", {}, value), h("span", {}, label));
}

export function familyPanel(fam) {
  const r = fam.rating;
  const rating = h("div", { class: "stats-rating" },
    h("div", {},
      h("div", { class: "stats-rating-value", "data-rating": r ? r.value : "" }, r ? r.value : "—"),
      h("div", { class: "muted" }, r ? (r.provisional ? t("provisional rating") : t("rating")) : t("not rated yet")),
    ),
    sparkline(fam.rating_history || []),
  );
  const streak = fam.current_streak > 0 ? `W${fam.current_streak}` : fam.current_streak < 0 ? `L${-fam.current_streak}` : "—";
  return h("div", { class: "stats-family", "data-family": fam.family || "" },
    rating,
    h("div", { class: "stats-grid" },
      cell(`${fam.matches_won}/${fam.matches}`, t("matches won")),
      cell(fmt.percent(fam.win_rate), t("win rate")),
      cell(`${fam.frames_won}/${fam.frames}`, t("frames won")),
      cell(streak, t("current streak")),
      cell(fam.best_streak || "—", t("best streak")),
      cell(fmt.duration(fam.avg_frame_seconds), t("avg frame")),
      cell(fam.fouls_per_frame === null ? "—" : fam.fouls_per_frame.toFixed(2), t("fouls per frame")),
      cell(fam.high_run ?? "—", t("best run / break")),
      cell(fam.clean_frames || fam.break_and_runs || "—", t("8–0 / break-and-runs")),
    ),
  );
}

export function statsView(data, { heading = t("My statistics") } = {}) {
  ensureStyle();
  const families = FAMILIES.filter((f) => data.families[f].matches > 0);
  const shown = families.length ? families : ["pyramid"];
  let active = shown[0];
  const panel = h("div", { id: "stats-family-panel" });
  const tabs = h("div", { class: "stats-tabs", role: "tablist" });
  const renderTabs = () => {
    tabs.replaceChildren(...shown.map((f) => h("button", {
      type: "button", role: "tab", class: f === active ? "active" : "", "data-family": f,
      onclick: () => { active = f; renderTabs(); },
    }, familyLabel(f))));
    panel.replaceChildren(familyPanel({ family: active, ...data.families[active] }));
  };
  renderTabs();
  const o = data.overall;
  const earned = new Set(data.achievements.map((a) => a.code));
  return h("section", { class: "stats-block", id: "stats-view" },
    h("h3", {}, heading),
    h("div", { class: "stats-grid" },
      cell(o.matches, t("matches")),
      cell(fmt.percent(o.win_rate), t("win rate")),
      cell(fmt.duration(o.play_seconds), t("at the tables")),
    ),
    tabs, panel,
    h("h3", {}, t("Achievements"), " ", h("span", { class: "muted" }, `${earned.size}/${data.achievements_available}`)),
    data.achievements.length
      ? h("ul", { class: "stats-badges", id: "stats-achievements" },
          data.achievements.map((a) => h("li", { title: a.description, "data-code": a.code }, `${a.icon} ${a.title}`)))
      : h("p", { class: "muted", id: "stats-achievements" }, t("No achievements yet: play a match!")),
  );
}

// --- self-mounting block in the Me screen ----------------------------------------------------
let user = null;
let off = null;

// My finished matches whose result does not count yet (awaiting the other side, or disputed).
function pendingResults(matches) {
  if (!matches.length) return null;
  return h("section", { class: "stats-block", id: "me-pending-results" },
    h("h3", {}, t("Results awaiting confirmation")),
    h("ul", { class: "stats-badges" }, matches.map((m) => {
      const frames = m.state?.frames || [0, 0];
      const label = `${m.sides?.[0]?.label || "—"} ${frames[0]}:${frames[1]} ${m.sides?.[1]?.label || "—"}`;
      return h("li", { "data-match": m.id, "data-result-status": m.result_status },
        h("a", { href: `/watch/${m.id}`, "data-nav": "watch" }, label), " · ",
        m.result_status === "disputed" ? t("disputed") : t("not counted yet"));
    })),
  );
}

async function load() {
  const root = document.getElementById("me-stats-root");
  if (!root || !user) return;
  try {
    const [data, pending, disputed] = await Promise.all([
      api.get(`/api/players/${user.id}/stats/`),
      api.get("/api/matches/?mine=1&result=pending&page_size=20").catch(() => ({ results: [] })),
      api.get("/api/matches/?mine=1&result=disputed&page_size=20").catch(() => ({ results: [] })),
    ]);
    root.replaceChildren(
      ...[pendingResults([...pending.results, ...disputed.results])].filter(Boolean),
      statsView(data),
      h("p", {}, h("a", { href: "/leaderboard", "data-nav": "leaderboard", id: "me-leaderboard-link" }, t("See the leaderboard"))),
    );
  } catch (err) {
    root.replaceChildren(h("p", { class: "muted" }, t("Statistics are not available right now.")));
  }
}

let watching = false;
function watchMeScreen() {
  const section = document.getElementById("screen-me");
  if (!section || watching) return;
  watching = true;
  const onShow = () => {
    if (section.hidden) {
      if (off) { off(); off = null; }
      return;
    }
    load();
    off ??= realtime.subscribe("me", (msg) => {
      // A result confirmed, disputed or voided, stats recomputed, an award: read again.
      if (msg?.type === "update" && ["achievement", "achievements_revoked", "match_result", "stats"].includes(msg.data?.kind)) load();
    });
  };
  new MutationObserver(onShow).observe(section, { attributes: true, attributeFilter: ["hidden"] });
  onShow();
}

window.addEventListener("artel:signed-in", (e) => {
  user = e.detail?.user || null;
  watchMeScreen();
});
window.addEventListener("artel:profile-updated", (e) => { user = e.detail?.user || user; });
