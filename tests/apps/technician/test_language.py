"""The technician's language: Chinese by default, English when he chooses it, kept on
the device; and every text key the app's source asks for is in its table, in both."""

from __future__ import annotations

from pathlib import Path

from client.error_texts import error_text
from technician_app.i18n import LANGS, TEXTS, t
from technician_app.state import STATUS_LABELS, TechnicianState
from technician_app.state.confirmations import confirmation_for
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import DeviceClock, go_offline
from tests.apps.text_keys import keys_missing_a_language, used_text_keys


async def test_english_is_chosen_kept_and_spoken_by_the_state(
    live_server: LiveServer, tmp_path: Path, device: DeviceClock
) -> None:
    folder = tmp_path / "phone"
    tech = TechnicianState(live_server.base_url, folder, now=device, use_feed=False)
    try:
        assert tech.session.lang == "zh"
        assert (await tech.transfer("o1", " ")) is None
        assert tech.session.notices[-1].text == "请填写转单原因"

        tech.set_language("en")
        assert (await tech.transfer("o1", " ")) is None
        assert tech.session.notices[-1].text == "Please say why you hand it back"
        # a refusal from the server, in the technician's language
        assert not await tech.login(live_server.register("technician")["phone"], "wrong-pass-1")
        refusal = tech.session.notices[-1]
        assert refusal.kind == "error" and refusal.code
        assert refusal.text == error_text(refusal.code, "en")
        assert refusal.text != error_text(refusal.code, "zh")
        # no signal: the notice and a status label, in English
        go_offline(tech)
        assert not await tech.login("13900000001", "whatever")
        assert tech.session.notices[-1].text == "No network; switched to offline mode"
        assert STATUS_LABELS[tech.session.lang]["EN_ROUTE"] == "On the way"
        sos = confirmation_for("sos", None, device(), tech.session.lang)
        assert sos is not None and sos.confirm_label == "Call for help"
    finally:
        await tech.close()

    again = TechnicianState(live_server.base_url, folder, now=device, use_feed=False)
    try:
        assert again.session.lang == "en"  # the choice outlives the app
        assert STATUS_LABELS[again.session.lang]["ACCEPTED"] == "Accepted"
        again.set_language("zh")
        assert again.queue.cache_get("lang") == "zh"
    finally:
        await again.close()


def test_every_key_the_app_uses_is_in_the_table_in_both_languages() -> None:
    used = used_text_keys("technician_app")
    assert len(used) > 150  # the walk really finds the screens' texts
    assert keys_missing_a_language(used, TEXTS, LANGS) == {}


def test_every_entry_is_complete_and_fills_in_the_same_values() -> None:
    for key, entry in TEXTS.items():
        assert all(entry.get(lang) for lang in LANGS), key
        names = [{part.split("}")[0] for part in entry[lang].split("{")[1:]} for lang in LANGS]
        assert names[0] == names[1] or key == "day.date" or key == "day.date_time", key


def test_chinese_stays_the_default_and_unknown_keys_show_themselves() -> None:
    assert t("zh", "home.title") == "今日工作"
    assert t("en", "home.title") == "Today"
    assert t("fr", "home.title") == "今日工作"
    assert t("en", "no.such.key") == "no.such.key"
    assert STATUS_LABELS["zh"]["EN_ROUTE"] == "出发中"
