// The Leaderboard screen (/leaderboard: discipline and period filters) and a player's page
// (/players/<id>: their statistics and their head-to-head against me).
import { api } from "../api.js";
import { fmt, h, screenRoot, t } from "../dom.js";
import { FAMILIES, ensureStyle, familyLabel, statsView } from "./me-stats.js";

const PERIODS = () => [["all", t("All time")], ["month", t("30 days")], ["week", t("7 days")]];

function errorLine(err) {
  return h("p", { class: "error-banner", role: "alert" }, err?.detail || t("Something went wrong. Try again."));
}

function trendCell(trend) {
  if (!trend) return h("td", {}, "—");
  return h("td", { class: trend > 0 ? "trend-up" : "trend-down" }, `${trend > 0 ? "▲" : "▼"}${Math.abs(trend)}`);
}

export const leaderboard = {
  async mount(el, _params, ctx) {
    ensureStyle();
    const root = screenRoot(el, "leaderboard-root");
    const saved = JSON.parse(sessionStorage.getItem("lb-filters") || "{}");
    const family = h("select", { id: "lb-discipline", "aria-label": t("Discipline") },
      FAMILIES.map((f) => h("option", { value: f }, familyLabel(f))));
    const period = h("select", { id: "lb-period", "aria-label": t("Period") },
      PERIODS().map(([v, label]) => h("option", { value: v }, label)));
    family.value = saved.family || "pyramid";
    period.value = saved.period || "all";
    const list = h("div", { id: "lb-list" });
    const me = ctx?.user?.id;
    const load = async () => {
      sessionStorage.setItem("lb-filters", JSON.stringify({ family: family.value, period: period.value }));
      list.replaceChildren(h("p", { class: "muted" }, t("Loading…")));
      try {
        const data = await api.get(`/api/leaderboards/?discipline=${family.value}&period=${period.value}`);
        if (!data.results.length) {
          list.replaceChildren(h("p", { class: "muted", id: "lb-empty" }, t("No rated players yet.")));
          return;
        }
        list.replaceChildren(h("table", { class: "lb-table", id: "lb-table" },
          h("thead", {}, h("tr", {},
            h("th", {}, "#"), h("th", {}, t("Player")), h("th", {}, t("Rating")),
            h("th", {}, t("Matches")), h("th", {}, t("Wins")), h("th", {}, t("Trend")))),
          h("tbody", {}, data.results.map((r) => h("tr", { class: r.player?.id === me ? "me" : "", "data-player": r.player?.id },
            h("td", {}, r.rank),
            h("td", {}, h("a", { href: `/players/${r.player?.id}`, "data-nav": "players" }, r.player?.display_name || "—")),
            h("td", { title: r.provisional ? t("provisional") : "" }, `${r.rating}${r.provisional ? "?" : ""}`),
            h("td", {}, r.matches),
            h("td", {}, fmt.percent(r.win_rate)),
            trendCell(r.trend),
          ))),
        ));
      } catch (err) {
        list.replaceChildren(errorLine(err));
      }
    };
    family.addEventListener("change", load);
    period.addEventListener("change", load);
    root.replaceChildren(h("div", { class: "lb-filters" }, family, period), list);
    await load();
  },
};

function headToHead(data) {
  const o = data.overall;
  const total = o.matches || 0;
  const mine = total ? Math.round((o.losses / total) * 100) : 0;  // the page's player vs me: my wins are their losses
  const chances = FAMILIES.map((f) => h("li", {}, `${familyLabel(f)}: ${Math.round((1 - data.frame_win_probability[f]) * 100)}%`));
  return h("section", { class: "stats-block", id: "h2h" },
    h("h3", {}, t("Head-to-head with me")),
    total
      ? h("div", {},
          h("p", { id: "h2h-record" }, `${t("Me")} ${o.losses} – ${o.wins} ${data.player.display_name}`),
          h("div", { class: "h2h-bar" }, h("div", { class: "mine", "data-width": mine })),
          h("p", { class: "muted" }, `${t("Frames")}: ${o.frames_lost} – ${o.frames_won}`))
      : h("p", { class: "muted", id: "h2h-record" }, t("You have not played each other yet.")),
    h("h3", {}, t("My chance to win a frame")),
    h("ul", { id: "h2h-chances" }, chances),
  );
}

// The disciplines a match invite may name (the same labels as the Play screen's).
const INVITE_DISCIPLINES = () => [
  ["pyramid_moscow", t("Moscow pyramid")], ["pyramid_nevskaya", t("Nevskaya pyramid")],
  ["pyramid_free", t("Free pyramid")], ["pool_9", t("9-ball")], ["pool_8", t("8-ball")],
  ["pool_10", t("10-ball")], ["straight_pool", t("Straight pool (14.1)")], ["snooker", t("Snooker")],
];

function inviteForm(player) {
  const discipline = h("select", { id: "invite-discipline", "aria-label": t("Discipline") },
    INVITE_DISCIPLINES().map(([value, label]) => h("option", { value }, label)));
  const send = h("button", { class: "button", type: "submit", id: "invite-send" }, t("Invite to a match"));
  const result = h("p", { id: "invite-result", role: "status", hidden: true });
  const form = h("form", { class: "stats-block", id: "invite-form", onsubmit: async (e) => {
    e.preventDefault();
    send.disabled = true;
    result.hidden = true;
    try {
      const invite = await api.post("/api/invites/", { to_user: player.id, discipline: discipline.value });
      result.className = "muted";
      result.dataset.status = invite.status;
      result.textContent = fmt("Invite sent to %(name)s: %(discipline)s. The answer will come to your inbox.",
        { name: player.display_name, discipline: discipline.selectedOptions[0]?.textContent || invite.discipline_name });
    } catch (err) {
      result.className = "error-banner";
      result.dataset.status = "error";
      result.textContent = err?.detail || t("The invite could not be sent. Try again.");
    } finally {
      result.hidden = false;
      send.disabled = false;
    }
  } }, h("h3", {}, t("Invite to a match")), discipline, send, result);
  return form;
}

export const players = {
  async mount(el, params, ctx) {
    ensureStyle();
    const root = screenRoot(el, "players-root");
    const id = Number(params[0]);
    if (!id) { root.replaceChildren(errorLine({ detail: t("No such player.") })); return; }
    root.replaceChildren(h("p", { class: "muted" }, t("Loading…")));
    try {
      const me = ctx?.user?.id;
      const [stats, h2h] = await Promise.all([
        api.get(`/api/players/${id}/stats/`),
        me && me !== id ? api.get(`/api/players/${id}/head-to-head/${me}/`) : Promise.resolve(null),
      ]);
      const view = statsView(stats, { heading: stats.player.display_name });
      root.replaceChildren(view);
      if (h2h) {
        root.append(headToHead(h2h));
        // The bar's width is set through the CSSOM (inline style attributes are blocked by CSP).
        const bar = root.querySelector(".h2h-bar .mine");
        if (bar) bar.style.width = `${bar.dataset.width}%`;
      }
      if (me && me !== id) root.append(inviteForm(stats.player));
    } catch (err) {
      root.replaceChildren(errorLine(err));
    }
  },
};
