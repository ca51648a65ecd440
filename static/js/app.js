// Mini App entry point: theme, language, sign-in, then the router.
import { api, setTokens } from "./api.js";
import { applyTheme, inTelegram, ready, startParam, telegramLanguage } from "./telegram.js";
import { navigate, registerScreen, setContext, start } from "./router.js";
import { signInAsDemo } from "./auth.js";
import "./badge.js"; // the unread count on the Inbox tab
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

// DEBUG only (the button is rendered only then): signed demo init data through the real sign-in.
function wireDemoSignIn() {
  const button = document.getElementById("signin-demo");
  if (!button || !config.debug) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const user = await signInAsDemo();
      showUser(user);
      setContext({ user });
      window.dispatchEvent(new CustomEvent("artel:signed-in", { detail: { user } }));
      await navigate("/me");
    } catch (err) {
      console.warn("Demo sign-in failed", err.code);
      button.disabled = false;
    }
  });
}

window.addEventListener("artel:profile-updated", (e) => {
  showUser(e.detail.user);
  setContext({ user: e.detail.user });
});

async function boot() {
  applyTheme();
  if (ensureLanguage()) return;
  ready();
  for (const [name, impl] of Object.entries(placeholders)) registerScreen(name, impl);
  wireDemoSignIn();
  const user = await signIn();
  showUser(user);
  setContext({ user, config, startParam: startParam() });
  window.dispatchEvent(new CustomEvent("artel:signed-in", { detail: { user } }));
  await start(user || inTelegram ? "floor" : "signin");
  document.getElementById("app").dataset.ready = "1";
}

boot();
