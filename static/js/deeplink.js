// Deep links into the Mini App: the `startapp` parameter of a bot button or t.me link.
// It is untrusted input (anyone can craft a link), so only the exact shapes the bot generates
// (realtime/notifications/rendering.py START_PARAM_RE) map to a screen; anything else is ignored.
const START_PARAM = /^(floor|inbox|me|leaderboard|(booking|match|invite|player)-\d{1,12})$/;

export function deepLinkPath(param) {
  if (typeof param !== "string" || param.length > 40 || !START_PARAM.test(param)) return null;
  const [kind, id] = param.split("-");
  switch (kind) {
    case "floor": return "/floor";
    case "inbox": return "/inbox";
    case "me": return "/me";
    case "leaderboard": return "/leaderboard";
    case "booking": return "/floor";           // my bookings are on the floor screen
    case "match": return `/watch/${Number(id)}`;
    case "invite": return "/inbox";
    case "player": return `/players/${Number(id)}`;
    default: return null;
  }
}

// Telegram passes the parameter in initData (t.me/<bot>/<app>?startapp=…) or as
// tgWebAppStartParam; the bot's web_app buttons put it in ?startapp=… on the site URL.
export function startParamFromUrl(search = window.location.search) {
  const q = new URLSearchParams(search);
  return q.get("startapp") || q.get("tgWebAppStartParam");
}
