// Screens not built yet keep their server-rendered placeholder; features replace these modules.
export * as floor from "./floor.js";
export const play = { mount() {} };
export { me } from "./me.js";
export const signin = { mount() {} };
