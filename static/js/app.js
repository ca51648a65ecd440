// Mini App entry point: theme, language, sign-in, then the router.
import { api, setTokens } from "./api.js";
import { applyTheme, inTelegram, ready, startParam, telegramLanguage } from "./telegram.js";
import { registerScreen, setContext, start } from "./router.js";
import * as placeholders from "./screens/placeholders.js";

const config = JSON.parse(document.getElementById("app-config")?.textContent || "{}");

// The Telegram user's language picks the UI language (ru for Russian, en otherwise).
function ensureLanguage() {
  const tgLang = telegramLanguage();
  if (!tgLang) return false;
  const wanted = tgLang.toLowerCase().startsWith("ru") ? "ru" : "en";
  if (document.documentElement.lang === wanted || sessionStorage.getItem("lang-switched")) return false;
  sessionStorage.setItem("lang-switched", "1");
  document.cookie = `django_language=${wanted}; path=/; max-age=31536000; SameSite=Lax`;
  location.reload();
  return true;
}

function showUser(user) {
  const chip = document.getElementById("user-chip");
  if (!user) { chip.hidden = true; return; }
  chip.textContent = "";
  if (user.photo_url) {
    const img = document.createElement("img");
    img.src = user.photo_url; img.alt = "";
    chip.append(img);
  }
  chip.append(document.createTextNode(user.display_name || user.username || ""));
  chip.hidden = false;
}

async function signIn() {
  if (inTelegram) {
    try {
      const data = await api.post("/api/auth/telegram/", { init_data: window.Telegram.WebApp.initData });
      setTokens(data);
      return data.user;
    } catch (err) {
      console.warn("Telegram sign-in failed", err.code);
      return null;
    }
  }
  if (!config.signedIn) return null;
  try {
    return await api.get("/api/me/");   // web: the session cookie
  } catch {
    return null;
  }
}

async function boot() {
  applyTheme();
  if (ensureLanguage()) return;
  ready();
  for (const [name, impl] of Object.entries(placeholders)) registerScreen(name, impl);
  const user = await signIn();
  showUser(user);
  setContext({ user, config, startParam: startParam() });
  window.dispatchEvent(new CustomEvent("artel:signed-in", { detail: { user } }));
  await start(user || inTelegram ? "floor" : "signin");
  document.getElementById("app").dataset.ready = "1";
}

boot();
