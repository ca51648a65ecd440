// The club's TV page (/tv/<club id>/): every live match of the club, live over /ws/, and the floor
// (topic club:<id>). New and finished matches are picked up by re-reading the list every few
// seconds; scores arrive over the socket as they happen.
import { api } from "./api.js";
import { adoptStyle, fmt, h, shotClock, t } from "./dom.js";
import { realtime } from "./realtime.js";
import { scoreboard, STYLE, watchMatch } from "./screens/watch.js";

const LIST_REFRESH_MS = 5000;
const FINISHED_SHOWN_MS = 60000;   // a finished match stays on screen for a minute
const config = JSON.parse(document.getElementById("tv-config").textContent);
const matchesEl = document.getElementById("tv-matches");
const floorEl = document.getElementById("tv-floor");
const boards = new Map();   // id -> {el, off}

adoptStyle("board-style", STYLE);

function setEmpty() {
  const empty = matchesEl.querySelector(".tv-empty");
  if (boards.size === 0 && !empty) matchesEl.append(h("p", { class: "tv-empty" }, t("No match is being played right now.")));
  if (boards.size > 0 && empty) empty.remove();
}

function drop(id) {
  const entry = boards.get(id);
  if (!entry) return;
  entry.off();
  entry.clock.stop();
  entry.el.remove();
  boards.delete(id);
  setEmpty();
}

function add(match) {
  const clock = shotClock({ dataset: { role: "shot-clock" } });
  const holder = h("div", {}, scoreboard(match));
  const el = h("div", { dataset: { match: match.id } }, holder, clock.el);
  matchesEl.append(el);
  clock.update(match.state, match.version, match.status);
  let version = match.version;
  const entry = { el, off: () => {}, finishing: false, clock };
  boards.set(match.id, entry);
  entry.off = watchMatch(match.id, (live) => {
    const board = scoreboard(live);
    if (live.version > version) board.classList.add("flash");
    version = live.version;
    holder.replaceChildren(board);
    clock.update(live.state, live.version, live.status);
    if (live.status !== "live" && !entry.finishing) {
      entry.finishing = true;
      setTimeout(() => drop(match.id), FINISHED_SHOWN_MS);
    }
  }, () => drop(match.id));
  setEmpty();
}

async function refresh() {
  let data;
  try { data = await api.get(`/api/matches/?status=live&club=${config.clubId}&page_size=50`); } catch { return; }
  const live = new Set(data.results.map((m) => m.id));
  for (const m of data.results) if (!boards.has(m.id)) add(m);
  for (const [id, entry] of boards) if (!live.has(id) && !entry.finishing) drop(id);
  setEmpty();
}

function renderFloor(floor) {
  floorEl.replaceChildren(...floor.tables.map((table) => h("div", { class: "tv-table", dataset: { status: table.status } },
    h("b", {}, table.number),
    table.session ? table.session.players.join(", ") : fmt.tableStatus(table.status) ?? t("out of service"))));
}

realtime.subscribe(`club:${config.clubId}`, (msg) => {
  if (msg.type === "snapshot" || msg.type === "update") renderFloor(msg.data);
});

function tick() {
  document.getElementById("tv-clock").textContent = fmt.clock(new Date());
}
tick();
setInterval(tick, 10000);
refresh();
setInterval(refresh, LIST_REFRESH_MS);
