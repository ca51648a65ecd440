// Small helpers every screen shares: building elements (`h`), translating (`t`), formatting
// (`fmt`) and adding a screen's styles the strict CSP allows (style-src 'self': no inline
// <style> and no style="" attributes, but stylesheet files and the CSSOM are fine).
//
//   import { fmt, h, t } from "../dom.js";
//   h("button", { class: "button", type: "button", onclick: go, dataset: { id: 7 } }, t("Go"))
//   fmt("Table %(n)s", { n: 3 })      // translated, then the named placeholders filled in
//   fmt.money(12550)                 // "125.50 ₽"

// The catalogue's gettext (from /jsi18n/, loaded before the modules), or the English source.
export const t = (s) => (window.gettext ? window.gettext(s) : s);

function element(tag, attrs, children, { props = false } = {}) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") el.style.cssText = value; // CSSOM: allowed by a strict CSP
    else if (props && key in el && key !== "list") el[key] = value; // input.list is read-only
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// An element: `attrs` become attributes (a false, null or undefined value is left out, true is
// the empty attribute), except "class" (className), "on<event>" with a function (a listener),
// "dataset" (an object of data-* values) and "style" (CSS text, set through the CSSOM).
// Children: nodes, strings or numbers (as text), arrays of them; null, undefined and false are
// skipped.
export function h(tag, attrs = {}, ...children) {
  return element(tag, attrs, children);
}

// The same, except that a key the element has as a DOM property (value, checked, selected,
// hidden, maxLength, dateTime …) is set as that property instead of as an attribute: an input's
// current value, not its default one.
export function hProps(tag, attrs = {}, ...children) {
  return element(tag, attrs, children, { props: true });
}

// Translate `s`, then fill in its named placeholders: fmt("%(name)s wins", { name }). The same
// substitution as the catalogue's interpolate(s, obj, true).
export function fmt(s, obj) {
  return t(s).replace(/%\((\w+)\)s/g, (_, k) => obj[k]);
}

// "HH:MM" and "YYYY-MM-DD" of an ISO date-time as written (the club's local time the API sends;
// no conversion to the browser's zone); "" for no value.
fmt.time = (iso) => (iso ? iso.slice(11, 16) : "");
fmt.day = (iso) => (iso ? iso.slice(0, 10) : "");
// An amount in kopecks as roubles: 12550 -> "125.50 ₽".
fmt.money = (kopecks) => `${(kopecks / 100).toFixed(2)} ₽`;
// A share (0…1) as a whole percentage: 0.625 -> "63%"; "—" for no value.
fmt.percent = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 100)}%`);
// Seconds as "1 h 5 min" / "42 min"; "—" for none.
fmt.duration = (seconds) => {
  if (!seconds) return "—";
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} ${t("h")} ${m % 60} ${t("min")}` : `${m} ${t("min")}`;
};
// A moment as the browser's local clock time, "HH:MM".
fmt.clock = (date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
// A table's status as the player reads it; undefined for a status this client does not know.
fmt.tableStatus = (status) => ({
  free: t("free"),
  busy: t("busy"),
  reserved: t("reserved"),
  out_of_service: t("out of service"),
})[status];

// A screen's root: its #<id> element inside the screen's <section> (or the section itself), with
// the server-rendered placeholder look taken off.
export function screenRoot(el, id) {
  const root = el.querySelector(`#${id}`) || el;
  root.classList.remove("placeholder");
  return root;
}

// A screen's CSS as a constructed stylesheet (CSSOM), added to the document once per `id`.
// `ifSupported`: where the browser has no constructable stylesheets, do nothing (and try again
// next time) instead of throwing.
const adopted = new Set();
export function adoptStyle(id, css, { ifSupported = false } = {}) {
  if (adopted.has(id)) return;
  if (ifSupported && typeof CSSStyleSheet === "undefined") return;
  adopted.add(id);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

// A stylesheet file (<link id=… rel=stylesheet>) in the document's head, once per `id`.
export function linkStyle(id, href) {
  if (document.getElementById(id)) return;
  document.head.append(h("link", { id, rel: "stylesheet", href }));
}

// A shot clock for a match's `state.clock` ({seconds, extensions}): counts down from `seconds`,
// restarted by every scoring event (a new version), hidden when the match has no clock or is not
// live. The time foul itself is the scorer's tap (the engines book it as the discipline's foul).
//   const clock = shotClock({ id: "play-clock" }); root.append(clock.el);
//   clock.update(match.state, match.version, match.status);   // after every render; clock.stop()
export function shotClock(attrs = {}) {
  adoptStyle("shot-clock-style", `.shot-clock { font: 700 28px/1 system-ui, sans-serif; text-align: center; margin: 6px 0; }
.shot-clock[data-late="true"] { color: #b54708; }`);
  const el = h("div", { class: "shot-clock", role: "timer", ...attrs });
  el.hidden = true;
  let version = null;
  let started = 0;
  let timer = null;
  const stop = () => { clearInterval(timer); timer = null; };
  const update = (state, currentVersion, status) => {
    const c = state?.clock;
    stop();
    el.hidden = !c || status !== "live";
    if (el.hidden) return;
    if (currentVersion !== version) { version = currentVersion; started = Date.now(); }
    const tick = () => {
      const left = Math.ceil(c.seconds - (Date.now() - started) / 1000);
      el.textContent = left > 0 ? String(left) : t("Time!");
      el.dataset.late = String(left <= 5);
    };
    tick();
    timer = setInterval(tick, 250);
  };
  return { el, update, stop };
}
