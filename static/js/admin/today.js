// The admin's Today page: keep the floor plan live between page refreshes (public club topic).
import { fmt } from "../dom.js";
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
