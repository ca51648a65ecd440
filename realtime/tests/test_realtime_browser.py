"""The JS client in Chromium against the real /ws/ served by daphne."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBSCRIBE_ANONYMOUSLY = """
async (topic) => {
  const { connect } = await import("/static/js/realtime.js");
  const client = connect();
  return await new Promise((resolve, reject) => {
    const statuses = [];
    client.onStatus((s) => statuses.push(s));
    const timer = setTimeout(() => reject(new Error("no answer; status " + client.status)), 10000);
    client.subscribe(topic, (msg) => { clearTimeout(timer); resolve({ msg, statuses }); });
  });
}
"""


def test_an_anonymous_browser_connects_and_is_refused_a_private_topic(live_app, phone_page):
    phone_page.goto(live_app + "/")

    result = phone_page.evaluate(SUBSCRIBE_ANONYMOUSLY, "me")

    assert result["msg"]["type"] == "error"
    assert result["msg"]["code"] == "forbidden"
    assert result["msg"]["topic"] == "me"
    assert "open" in result["statuses"]
    assert phone_page.console_errors == []


def test_an_unknown_topic_reaches_the_listener_as_an_error(live_app, phone_page):
    phone_page.goto(live_app + "/")

    result = phone_page.evaluate(SUBSCRIBE_ANONYMOUSLY, "nothing:1")

    assert result["msg"]["code"] == "unknown_topic"
