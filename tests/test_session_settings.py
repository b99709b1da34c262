"""The live settings model (tui.session.settings): the services' ranges, bad values kept out with
a message, defaults, what goes on the wire and in the URL, the status line, saving and loading."""

from __future__ import annotations

import json

from tui.protocol.dialect import Dialect
from tui.session import Wire
from tui.session.settings import FIELDS, Settings, fields_for


def el(**texts) -> tuple[Settings, dict[str, str]]:
    return Settings.defaults(Dialect.ELEVENLABS).updated(texts)


def murf(**texts) -> tuple[Settings, dict[str, str]]:
    return Settings.defaults(Dialect.MURF).updated(texts)


def test_defaults_are_what_the_console_sent_before_and_show_nothing_in_the_status():
    s = Settings.defaults(Dialect.ELEVENLABS)
    assert s.voice_settings() == {
        "stability": 0.5,
        "similarity_boost": 0.75,
        "style": 0.0,
        "use_speaker_boost": True,
        "speed": 1.0,
    }
    assert s.generation_config() is None and s.locators() is None
    assert s.query() == {} and s.summary() == [] and s.to_saved() == {}
    m = Settings.defaults(Dialect.MURF)
    assert m.voice_config("en-US-natalie").to_json() == {"voice_id": "en-US-natalie"}
    assert m.buffer() is None and m.query() == {} and m.summary() == []


def test_voice_settings_take_the_services_ranges_and_refuse_the_rest_with_a_message():
    s, problems = el(stability="0.3", speed="1.1", similarity_boost="1.5", style="x")
    assert s.voice_settings()["stability"] == 0.3 and s.voice_settings()["speed"] == 1.1
    assert set(problems) == {"similarity_boost", "style"}
    assert "0..1" in problems["similarity_boost"] and "1.5" in problems["similarity_boost"]
    assert s.voice_settings()["similarity_boost"] == 0.75  # the bad value kept out, the old one stays
    _, problems = el(speed="0.69")
    assert "0.7..1.2" in problems["speed"]
    _, problems = el(speed="nan")
    assert "speed" in problems


def test_a_bad_value_leaves_the_previous_good_one():
    s, _ = el(stability="0.2")
    s, problems = s.updated({"stability": "2"})
    assert problems and s.voice_settings()["stability"] == 0.2


def test_an_empty_field_is_the_default():
    s, _ = el(stability="0.2", seed="7")
    s, problems = s.updated({"stability": "", "seed": ""})
    assert not problems and s == Settings.defaults(Dialect.ELEVENLABS)


def test_chunk_length_schedule_items_are_50_to_500():
    s, problems = el(chunk_length_schedule="80, 120 200")
    assert not problems and s.generation_config() == {"chunk_length_schedule": [80, 120, 200]}
    _, problems = el(chunk_length_schedule="40, 120")
    assert "50..500" in problems["chunk_length_schedule"] and "40" in problems["chunk_length_schedule"]
    _, problems = el(chunk_length_schedule="120, abc")
    assert "chunk_length_schedule" in problems


def test_pronunciation_dictionary_locators_are_id_and_version_pairs():
    s, problems = el(pronunciation_dictionary_locators="dictA:v1, dictB:v9")
    assert not problems
    assert s.locators() == [
        {"pronunciation_dictionary_id": "dictA", "version_id": "v1"},
        {"pronunciation_dictionary_id": "dictB", "version_id": "v9"},
    ]
    _, problems = el(pronunciation_dictionary_locators="dictA")
    assert "id:version" in problems["pronunciation_dictionary_locators"]
    _, problems = el(pronunciation_dictionary_locators="a:1, b:2, c:3, d:4")
    assert "3" in problems["pronunciation_dictionary_locators"]


def test_query_options_are_checked_and_only_changes_go_in_the_url():
    s, problems = el(
        auto_mode=True,
        apply_text_normalization="off",
        language_code="de",
        seed="4294967295",
        enable_logging=False,
        inactivity_timeout="60",
    )
    assert not problems
    assert s.query() == {
        "auto_mode": True,
        "apply_text_normalization": "off",
        "language_code": "de",
        "seed": 4294967295,
        "enable_logging": False,
        "inactivity_timeout": 60,
    }
    _, problems = el(apply_text_normalization="maybe", seed="-1", language_code="german", inactivity_timeout="181")
    assert set(problems) == {"apply_text_normalization", "seed", "language_code", "inactivity_timeout"}
    assert "auto, on, off" in problems["apply_text_normalization"]
    assert "0..4294967295" in problems["seed"] and "1..180" in problems["inactivity_timeout"]


def test_which_changes_reconnect():
    before = Settings.defaults(Dialect.ELEVENLABS)
    after, _ = before.updated({"stability": "0.1"})
    assert not after.reconnects_from(before)
    after, _ = before.updated({"auto_mode": True})
    assert after.reconnects_from(before)


def test_murf_voice_config_rate_pitch_and_the_rest():
    s, problems = murf(
        voice_id="en-US-ken",
        style="Angry",
        rate="-10",
        pitch="50",
        variation="3",
        multi_native_locale="fr-FR",
        pronunciation_dictionary='{"2022": {"type": "SAY_AS", "pronunciation": "twenty twentytwo"}}',
    )
    assert not problems
    assert s.voice_config("en-US-natalie").to_json() == {
        "voice_id": "en-US-ken",
        "style": "Angry",
        "rate": -10,
        "pitch": 50,
        "variation": 3,
        "multi_native_locale": "fr-FR",
        "pronunciation_dictionary": {"2022": {"type": "SAY_AS", "pronunciation": "twenty twentytwo"}},
    }
    _, problems = murf(
        rate="51",
        pitch="1.5",
        variation="6",
        multi_native_locale="french",
        pronunciation_dictionary='{"x": {"type": "SPELL", "pronunciation": "y"}}',
    )
    assert set(problems) == {"rate", "pitch", "variation", "multi_native_locale", "pronunciation_dictionary"}
    assert "-50..50" in problems["rate"] and "whole number" in problems["pitch"]
    assert "IPA" in problems["pronunciation_dictionary"]
    _, problems = murf(pronunciation_dictionary="{not json")
    assert "JSON" in problems["pronunciation_dictionary"]


def test_murf_buffer_settings_take_the_documented_ranges():
    s, problems = murf(min_buffer_size="80", max_buffer_delay_in_ms="0")
    assert not problems and s.buffer().to_json() == {"min_buffer_size": 80, "max_buffer_delay_in_ms": 0}
    _, problems = murf(min_buffer_size="39", max_buffer_delay_in_ms="1001")
    assert "40..160" in problems["min_buffer_size"] and "0..1000" in problems["max_buffer_delay_in_ms"]


def test_murf_model_is_a_query_option_that_reconnects():
    before = Settings.defaults(Dialect.MURF)
    after, problems = before.updated({"model": "gen2"})
    assert not problems and after.query() == {"model": "GEN2"} and after.reconnects_from(before)
    _, problems = before.updated({"model": "v9"})
    assert "FALCON, GEN2" in problems["model"]


def test_each_dialect_offers_its_own_fields():
    names = {f.name for f in fields_for(Dialect.ELEVENLABS)}
    assert {"stability", "chunk_length_schedule", "sync_alignment", "seed"} <= names and "rate" not in names
    assert {f.name for f in fields_for(Dialect.ELEVENLABS_SINGLE)} == names
    murf_names = {f.name for f in fields_for(Dialect.MURF)}
    assert {"voice_id", "rate", "pitch", "min_buffer_size", "model"} <= murf_names and "stability" not in murf_names
    # Nothing that changes the output format: that is --output-format's.
    assert not {"output_format", "format", "sample_rate", "channel_type"} & {f.name for f in FIELDS}


def test_a_field_of_the_other_dialect_is_refused():
    _, problems = el(rate="10")
    assert "not an elevenlabs setting" in problems["rate"]


def test_the_status_names_what_is_not_default_shortly():
    s, _ = el(stability="0.3", speed="1.1", auto_mode=True)
    assert s.summary() == ["voice: stab 0.3", "speed 1.1", "auto_mode"]
    m, _ = murf(rate="-10", min_buffer_size="80")
    assert m.summary() == ["voice: rate -10", "buf 80"]


def test_saved_settings_load_back_and_a_bad_saved_value_is_a_problem_not_a_crash():
    s, _ = el(
        stability="0.3",
        chunk_length_schedule="80 120",
        seed="5",
        enable_logging=False,
        pronunciation_dictionary_locators="d:v",
    )
    saved = s.to_saved()
    json.dumps(saved)  # plain values only: it goes in the config file as a table
    back, problems = Settings.from_saved(Dialect.ELEVENLABS, saved)
    assert back == s and not problems
    back, problems = Settings.from_saved(Dialect.ELEVENLABS, {"speed": 9, "stability": 0.4, "bogus": 1})
    assert back.voice_settings()["stability"] == 0.4 and back.voice_settings()["speed"] == 1.0
    assert any("speed" in p for p in problems) and any("bogus" in p for p in problems)
    back, problems = Settings.from_saved(Dialect.ELEVENLABS, "not a table")
    assert back == Settings.defaults(Dialect.ELEVENLABS) and problems


def test_the_wire_puts_them_in_the_opening_message_and_murf_text_frames():
    s, _ = el(stability="0.3", chunk_length_schedule="60", pronunciation_dictionary_locators="d:v")
    wire = Wire(Dialect.ELEVENLABS).with_settings(s, voice="joe")
    opening = json.loads(wire.open("turn_1")[0])
    assert opening["voice_settings"]["stability"] == 0.3
    assert opening["generation_config"] == {"chunk_length_schedule": [60]}
    assert opening["pronunciation_dictionary_locators"] == [{"pronunciation_dictionary_id": "d", "version_id": "v"}]
    assert "voice_settings" not in json.loads(wire.text("turn_1", "Hi ", False)[0])
    m, _ = murf(rate="12", min_buffer_size="60")
    mwire = Wire(Dialect.MURF).with_settings(m, voice="en-US-natalie")
    frame = json.loads(mwire.text("turn_1", "Hi.", False)[0])
    assert frame["voice_config"] == {"voice_id": "en-US-natalie", "rate": 12} and frame["min_buffer_size"] == 60
    assert json.loads(mwire.close("turn_1"))["voice_config"]["rate"] == 12
