// The Me screen: who I am (name, photo, roles, linked sign-in methods) and my profile settings.
import { api, hasTokens } from "../api.js";
import { signOut } from "../auth.js";
import { hProps as h, linkStyle, screenRoot, t } from "../dom.js";
import { inTelegram } from "../telegram.js";

function avatar(user) {
  if (user.photo_url) {
    return h("img", { class: "me-photo", id: "me-photo", src: user.photo_url, alt: "", width: 72, height: 72 });
  }
  const initials = (user.display_name || "?").split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2);
  return h("div", { class: "me-photo me-initials", id: "me-photo", "aria-hidden": "true" }, initials.toUpperCase());
}

function profileCard(user) {
  const sub = [];
  if (user.telegram_id) sub.push("Telegram");
  if (user.roles?.includes("manager")) sub.push(t("manager"));
  else if (user.roles?.includes("staff")) sub.push(t("staff"));
  return h("div", { class: "me-card" },
    avatar(user),
    h("div", {},
      h("div", { class: "me-name", id: "me-name" }, user.display_name),
      sub.length ? h("div", { class: "muted" }, sub.join(" · ")) : null,
    ),
  );
}

function identitiesList(user) {
  const items = (user.identities || []).map((i) =>
    h("li", { "data-provider": i.provider }, i.title));
  return h("section", { class: "me-identities" },
    h("h3", {}, t("Sign-in methods")),
    items.length ? h("ul", { id: "me-identities" }, items) : h("p", { class: "muted" }, t("None linked yet.")),
    // Linking runs on the web profile page (a session); the Mini App's tokens are not a session.
    inTelegram || hasTokens() ? null
      : h("a", { href: "/profile/", id: "me-manage-identities" }, t("Link Google or Telegram")),
  );
}

function settingsForm(user, onSaved) {
  const name = h("input", {
    id: "me-display-name", name: "display_name", maxLength: 64,
    value: user.nickname || "", placeholder: user.display_name,
  });
  const lang = h("select", { id: "me-language", name: "language" },
    h("option", { value: "ru", selected: user.language === "ru" }, "Русский"),
    h("option", { value: "en", selected: user.language === "en" }, "English"),
  );
  const notify = h("input", { id: "me-notifications", type: "checkbox", checked: user.notifications_enabled });
  const status = h("p", { class: "muted", id: "me-status", role: "status" });
  const save = h("button", { class: "button", type: "submit", id: "me-save" }, t("Save"));
  const form = h("form", { class: "me-settings", id: "me-form" },
    h("h3", {}, t("Settings")),
    h("label", {}, t("Display name"), h("br"), name),
    h("label", {}, t("Language"), h("br"), lang),
    h("label", {}, notify, " ", t("Send me bot messages (reminders, invites, results)")),
    save, status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    status.textContent = "";
    try {
      const updated = await api.patch("/api/me/", {
        display_name: name.value, language: lang.value, notifications_enabled: notify.checked,
      });
      status.textContent = t("Saved.");
      onSaved(updated, updated.language !== user.language);
    } catch (err) {
      status.textContent = err.detail || t("Could not save. Please try again.");
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// Outside Telegram (a web page): sign out here. Inside Telegram the app signs in by itself.
function signOutButton() {
  if (inTelegram) return null;
  const button = h("button", { class: "button secondary", type: "button", id: "me-signout" }, t("Sign out"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await signOut();
    } catch {
      /* the tokens are dropped anyway; a session cookie may remain until it expires */
    }
    window.location.assign("/");
  });
  return button;
}

function signedOut(root) {
  root.replaceChildren(
    h("p", {}, t("Sign in to see your profile and statistics.")),
    h("a", { class: "button", href: "/login/", id: "me-signin" }, t("Sign in")),
  );
}

// The screen's styles live in static/css/me.css (the CSP allows no inline <style>).
function ensureStyle() {
  linkStyle("me-style", new URL("../../css/me.css", import.meta.url).href);
}

export const me = {
  async mount(el, _params, ctx) {
    ensureStyle();
    const root = screenRoot(el, "me-root");
    let user = ctx.user;
    if (!user) { signedOut(root); return; }
    root.replaceChildren(profileCard(user));
    try {
      user = await api.get("/api/me/");
    } catch (err) {
      if (err.status === 401) { signedOut(root); return; }
    }
    const render = (u) => {
      root.replaceChildren(profileCard(u), identitiesList(u), settingsForm(u, (updated, langChanged) => {
        window.dispatchEvent(new CustomEvent("artel:profile-updated", { detail: { user: updated } }));
        if (langChanged) {
          document.cookie = `django_language=${updated.language}; path=/; max-age=31536000; SameSite=Lax`;
        }
        render(updated);
        root.querySelector("#me-status").textContent = t("Saved.");
      }), signOutButton());
    };
    render(user);
  },
};
