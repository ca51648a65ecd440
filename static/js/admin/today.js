// The admin's Today page: keep the floor plan live between page refreshes (public club topic).
import { fmt, h } from "../dom.js";
import { realtime } from "../realtime.js";

const plan = document.getElementById("today-floor");

if (plan && /^\d+$/.test(plan.dataset.club || "")) {
  realtime.subscribe(`club:${plan.dataset.club}`, (msg) => {
    if (msg.type !== "snapshot" && msg.type !== "update") return;
    plan.dataset.version = msg.version;
    for (const table of msg.data.tables) {
      const el = plan.querySelector(`[data-table="${table.id}"]`);
      if (!el || el.dataset.status === table.status) continue;
      el.dataset.status = table.status;
      el.className = `floor-table st-${table.status}`;
      el.querySelector(".floor-status").textContent = fmt.tableStatus(table.status) || table.status;
    }
  });
}

// The bills at the tables (staff-only `till:<club>` topic): items the players order from the Mini
// App appear here without a reload.
const till = document.getElementById("today-till");

if (till && /^\d+$/.test(till.dataset.club || "")) {
  const base = till.dataset.moneyUrl;
  realtime.subscribe(`till:${till.dataset.club}`, (msg) => {
    if (msg.type !== "snapshot" && msg.type !== "update") return;
    till.dataset.version = msg.version;
    till.textContent = "";
    if (!msg.data.sessions.length) {
      till.append(h("p", { class: "till-empty" }, "—"));
      return;
    }
    for (const s of msg.data.sessions) {
      const money = s.money || { items: [] };
      till.append(h("div", { class: "till-session", dataset: { session: s.id } },
        h("strong", {}, s.table.name),
        money.paused ? " · ⏸" : "",
        money.total !== null && money.total !== undefined ? ` · ${fmt.money(money.total)}` : "",
        h("ul", { class: "till-items" }, ...money.items.map((i) =>
          h("li", { dataset: { line: i.id } }, `${i.name} × ${i.quantity}${i.added_by ? ` (${i.added_by})` : ""}`))),
        h("a", { href: `${base}${s.id}/money/` }, "₽")));
    }
  });
}
