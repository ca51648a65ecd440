// API client: JSON in and out, errors as ApiError {status, code, detail}.
// The Mini App keeps its JWTs in memory only and refreshes them itself; web pages use the session cookie.
let access = null;
let refresh = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || "http_error";
    this.detail = body?.detail || "";
    this.body = body || {};
  }
}

export function setTokens(tokens) {
  access = tokens?.access ?? null;
  refresh = tokens?.refresh ?? refresh;
  if (!tokens) refresh = null;
  listeners.forEach((fn) => fn(Boolean(access)));
}
export function hasTokens() { return Boolean(access); }
// Only for signing out (the server blacklists it); never stored anywhere.
export function refreshToken() { return refresh; }
export function onAuthChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

let refreshing = null;
async function refreshAccess() {
  if (!refresh) return false;
  refreshing ??= fetch("/api/auth/refresh/", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh }),
  }).then(async (r) => {
    if (!r.ok) { setTokens(null); return false; }
    setTokens(await r.json());
    return true;
  }).catch(() => false).finally(() => { refreshing = null; });
  return refreshing;
}

export async function request(method, url, body, { retry = true, headers = {} } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (access) h.Authorization = `Bearer ${access}`;
  else if (method !== "GET") h["X-CSRFToken"] = csrfToken();
  const r = await fetch(url, {
    method, headers: h, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401 && retry && refresh && (await refreshAccess())) {
    return request(method, url, body, { retry: false, headers });
  }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export const api = {
  get: (url, opts) => request("GET", url, undefined, opts),
  post: (url, body = {}, opts) => request("POST", url, body, opts),
  patch: (url, body = {}, opts) => request("PATCH", url, body, opts),
  del: (url, opts) => request("DELETE", url, undefined, opts),
};
