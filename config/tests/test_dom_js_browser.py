"""static/js/dom.js, the helpers every screen imports (h, hProps, t, fmt …), in Chromium."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUILD = """
async () => {
  const { h, hProps } = await import("/static/js/dom.js");
  const clicks = [];
  const el = h("button", {
    class: "a b", type: "button", hidden: true, disabled: false, title: null, lang: undefined,
    "aria-label": "Go", onclick: () => clicks.push(1), dataset: { tableId: 7, status: "free" },
    style: "left: 12%; top: 30%;",
  }, "Table ", 3, [h("small", {}, "free"), null, false, undefined]);
  el.click();
  const input = h("input", { value: "attr", list: "x" });
  const propInput = hProps("input", { value: "prop", maxLength: 5, list: "x", "data-id": 2 });
  const option = hProps("option", { value: "ru", selected: true });
  return {
    html: el.outerHTML, clicks: clicks.length, left: el.style.left,
    inputAttr: input.getAttribute("value"), inputValue: input.value,
    propAttr: propInput.getAttribute("value"), propValue: propInput.value,
    propMax: propInput.maxLength, propList: propInput.getAttribute("list"),
    propData: propInput.dataset.id, optionSelected: option.selected,
    optionAttr: option.hasAttribute("selected"),
  };
}
"""

FORMAT = """
async () => {
  const { adoptStyle, fmt, t } = await import("/static/js/dom.js");
  const before = document.adoptedStyleSheets.length;
  adoptStyle("test-style", ".x { color: red; }");
  adoptStyle("test-style", ".x { color: blue; }");
  const text = "%(name)s has %(n)s balls, %(missing)s";
  return {
    fmt: fmt(text, { name: "Ann", n: 0 }),
    interpolate: window.interpolate(t(text), { name: "Ann", n: 0 }, true),
    time: fmt.time("2026-03-01T18:30:00+03:00"), day: fmt.day("2026-03-01T18:30:00+03:00"),
    noTime: fmt.time(null), money: fmt.money(12550), percent: fmt.percent(0.625),
    noPercent: [fmt.percent(null), fmt.percent(undefined)],
    durations: [fmt.duration(0), fmt.duration(42 * 60), fmt.duration(65 * 60)],
    statuses: ["free", "busy", "reserved", "out_of_service", "gone"].map((s) => fmt.tableStatus(s) ?? null),
    sheets: document.adoptedStyleSheets.length - before,
  };
}
"""


def test_h_builds_attributes_listeners_data_and_style(live_app, phone_page):
    phone_page.goto(live_app + "/")

    r = phone_page.evaluate(BUILD)

    assert r["html"] == (
        '<button class="a b" type="button" hidden="" aria-label="Go" data-table-id="7" '
        'data-status="free" style="left: 12%; top: 30%;">Table 3<small>free</small></button>'
    )
    assert r["clicks"] == 1
    assert r["left"] == "12%"
    # h sets attributes (an input's default value); hProps sets the properties the element has.
    assert (r["inputAttr"], r["inputValue"]) == ("attr", "attr")
    assert (r["propAttr"], r["propValue"]) == (None, "prop")
    assert r["propMax"] == 5
    assert r["propList"] == "x"  # input.list is read-only: stays an attribute
    assert r["propData"] == "2"
    assert (r["optionSelected"], r["optionAttr"]) == (True, False)
    assert phone_page.console_errors == []


def test_fmt_translates_fills_in_and_formats(live_app, phone_page):
    phone_page.goto(live_app + "/")

    r = phone_page.evaluate(FORMAT)

    assert r["fmt"] == r["interpolate"] == "Ann has 0 balls, undefined"
    assert (r["time"], r["day"], r["noTime"]) == ("18:30", "2026-03-01", "")
    assert r["money"] == "125.50 ₽"
    assert r["percent"] == "63%"
    assert r["noPercent"] == ["—", "—"]
    assert r["durations"] == ["—", "42 min", "1 h 5 min"]
    assert r["statuses"] == ["free", "busy", "reserved", "out of service", None]
    assert r["sheets"] == 1  # once per id
