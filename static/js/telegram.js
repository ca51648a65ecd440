// Telegram WebApp glue: theme, viewport, haptics, MainButton. Works (as no-ops) outside Telegram.
export const tg = window.Telegram?.WebApp ?? null;
export const inTelegram = Boolean(tg && tg.initData);

const THEME_KEYS = [
  "bg_color", "text_color", "hint_color", "link_color", "button_color", "button_text_color",
  "secondary_bg_color", "header_bg_color", "accent_text_color", "section_bg_color",
  "destructive_text_color",
];

export function applyTheme() {
  const root = document.documentElement;
  if (!tg) return;
  const params = tg.themeParams || {};
  for (const key of THEME_KEYS) {
    if (params[key]) root.style.setProperty(`--tg-theme-${key.replaceAll("_", "-")}`, params[key]);
  }
  if (inTelegram) root.classList.add("tg");
  const setViewport = () => {
    if (tg.viewportHeight) root.style.setProperty("--tg-viewport-height", `${tg.viewportHeight}px`);
    if (tg.viewportStableHeight) {
      root.style.setProperty("--tg-viewport-stable-height", `${tg.viewportStableHeight}px`);
    }
  };
  setViewport();
  tg.onEvent?.("themeChanged", applyTheme);
  tg.onEvent?.("viewportChanged", setViewport);
}

export function ready() {
  tg?.ready?.();
  tg?.expand?.();
}

export function telegramLanguage() {
  return tg?.initDataUnsafe?.user?.language_code ?? null;
}

export function startParam() {
  const fromTg = tg?.initDataUnsafe?.start_param;
  if (fromTg) return fromTg;
  return new URLSearchParams(window.location.search).get("tgWebAppStartParam");
}

export const haptic = {
  impact(style = "light") { tg?.HapticFeedback?.impactOccurred?.(style); },
  success() { tg?.HapticFeedback?.notificationOccurred?.("success"); },
  error() { tg?.HapticFeedback?.notificationOccurred?.("error"); },
};

// MainButton with a web fallback: outside Telegram the given fallback button is used instead.
export function mainButton(text, onClick, fallbackEl = null) {
  if (inTelegram && tg.MainButton) {
    tg.MainButton.setText(text);
    tg.MainButton.onClick(onClick);
    tg.MainButton.show();
    return () => { tg.MainButton.offClick(onClick); tg.MainButton.hide(); };
  }
  if (fallbackEl) {
    fallbackEl.textContent = text;
    fallbackEl.hidden = false;
    fallbackEl.onclick = onClick;
    return () => { fallbackEl.hidden = true; fallbackEl.onclick = null; };
  }
  return () => {};
}
