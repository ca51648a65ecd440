// Sign-in for the Mini App: Telegram init data -> JWT pair (kept in memory by api.js).
// In DEBUG outside Telegram, "Sign in as demo player" fetches signed demo init data from the server
// and sends it through the same real validation path.
import { api, setTokens, hasTokens, refreshToken } from "./api.js";

export async function signInWithInitData(initData) {
  const data = await api.post("/api/auth/telegram/", { init_data: initData }, { retry: false });
  setTokens(data);
  return data.user;
}

export async function signInAsDemo(userId) {
  const body = userId ? { user_id: userId } : {};
  const { init_data: initData } = await api.post("/api/auth/dev-init-data/", body, { retry: false });
  return signInWithInitData(initData);
}

// Sign out: blacklist the refresh token (Mini App tokens) or close the web session.
export async function signOut() {
  const token = refreshToken();
  try {
    await api.post("/api/auth/logout/", token ? { refresh: token } : {}, { retry: false });
  } finally {
    setTokens(null);
  }
}

export { hasTokens };
