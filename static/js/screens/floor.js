// The Floor screen: the club's floor plan live over /ws/ (topic club:<id>), a table's free slots
// and booking, my bookings with cancel, my running session, and the QR check-in flow
// (Mini App deep link `startapp=t<table id>_<code>` or the web path /check-in/<id>/<code>).
//
// The entry the router registers; the screen itself is in three parts:
//   floor/store.js  the state and its reducers (the club and `me` topics' messages, slots, choices)
//   floor/api.js    the HTTP calls
//   floor/view.js   rendering, DOM events and the realtime subscriptions
import { FloorScreen } from "./floor/view.js";

export { parseCheckIn } from "./floor/store.js";

let screen = null;

export function mount(el, params, ctx) {
  screen?.unmount();
  const root = el.querySelector("#floor-root") || el;
  screen = new FloorScreen(root, ctx || {});
  return screen.mount();
}

export function unmount() {
  screen?.unmount();
  screen = null;
}
