// Screens not built yet keep their server-rendered placeholder; features replace these modules.
export * as floor from "./floor.js";
export { play } from "./play.js";
export { watch } from "./watch.js";
export { me } from "./me.js";
export { inbox } from "./inbox.js";
// Leaderboard and a player's page; loading it also mounts my stats block in the Me screen.
export { leaderboard, players } from "./leaderboard.js";
export const signin = { mount() {} };
