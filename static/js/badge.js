// The unread count on the Inbox tab. Read from the server after sign-in, and again whenever the
// `me` topic brings a notification; the Inbox screen reports the exact figure after marking read
// (event "artel:unread"). The server's count is the truth: nothing is counted twice.
import { api } from "./api.js";
import { t } from "./dom.js";
import { realtime } from "./realtime.js";

let off = null;
let pending = null;

export function showUnread(count) {
  const tab = document.querySelector('.tabbar [data-nav="inbox"]');
  if (!tab) return;
  let badge = tab.querySelector("#inbox-badge");
  if (!badge) {
    badge = document.createElement("span");
    badge.id = "inbox-badge";
    badge.className = "badge";
    tab.append(badge);
  }
  const n = Math.max(0, Number(count) || 0);
  badge.textContent = n > 99 ? "99+" : String(n);
  badge.hidden = n === 0;
  badge.setAttribute("aria-label", `${n} ${t("unread")}`);
}

async function refresh() {
  try {
    const page = await api.get("/api/notifications/?unread=1&page_size=1");
    showUnread(page.unread);
  } catch {
    /* signed out or offline: keep what is shown */
  }
}

// Several pushes in a row (a broadcast, achievements after a match) cost one request.
function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, 300);
}

window.addEventListener("artel:signed-in", (e) => {
  if (!e.detail?.user) return;
  refresh();
  if (off) off();
  off = realtime.subscribe("me", (msg) => {
    if (msg?.type === "update" && msg.data?.kind === "notification") refreshSoon();
  });
});

window.addEventListener("artel:unread", (e) => showUnread(e.detail?.unread));
