// Screens not built yet keep their server-rendered placeholder; features replace these modules.
export const floor = { mount() {} };
export const play = { mount() {} };
export const me = { mount() {} };
export const signin = { mount() {} };
