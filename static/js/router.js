// A tiny client-side router: one <section data-screen> per screen, History API paths.
import { deepLinkPath, startParamFromUrl } from "./deeplink.js";
const screens = new Map();   // name -> {mount(el, params, ctx), unmount?()}
let current = null;
let context = {};

export function registerScreen(name, impl) { screens.set(name, impl); }
export function setContext(ctx) { context = { ...context, ...ctx }; }

// "/floor" -> {name: "floor", params: []}; "/play/42" -> {name: "play", params: ["42"]}
export function parse(pathname) {
  const parts = pathname.replace(/^\/+|\/+$/g, "").split("/").filter(Boolean);
  return { name: parts[0] || "", params: parts.slice(1) };
}

export async function show(name, params = []) {
  const el = document.querySelector(`[data-screen="${name}"]`);
  if (!el) return show("floor");
  if (current?.impl?.unmount) current.impl.unmount();
  document.querySelectorAll("[data-screen]").forEach((s) => { s.hidden = s !== el; });
  document.querySelectorAll("[data-nav]").forEach((a) => {
    a.classList.toggle("active", a.dataset.nav === name);
  });
  const impl = screens.get(name);
  current = { name, impl };
  if (impl?.mount) await impl.mount(el, params, context);
  document.getElementById("app").dataset.state = `screen-${name}`;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, "", path); else history.pushState({}, "", path);
  const { name, params } = parse(new URL(path, location.origin).pathname);
  return show(name || context.defaultScreen || "floor", params);
}

export function start(defaultScreen) {
  context.defaultScreen = defaultScreen;
  document.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-nav]");
    if (!a || e.metaKey || e.ctrlKey) return;
    e.preventDefault();
    navigate(a.getAttribute("href"));
  });
  window.addEventListener("popstate", () => {
    const { name, params } = parse(location.pathname);
    show(name || defaultScreen, params);
  });
  // A deep link (validated `startapp` parameter) opens its screen on the first load only.
  const deep = location.pathname === "/" ? deepLinkPath(context.startParam || startParamFromUrl()) : null;
  if (deep) history.replaceState({}, "", deep);
  const { name, params } = parse(location.pathname);
  return show(name || defaultScreen, params);
}
