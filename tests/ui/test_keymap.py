"""The keymap file: remapping by binding id, and bad files that never stop the console."""

from pathlib import Path

from tui.ui.actions import ACTIONS, binding_ids
from tui.ui.keymap import default_keymap_path, load_keymap, parse_keymap


def test_every_action_has_a_unique_binding_id():
    ids = [a.id for a in ACTIONS]
    assert len(ids) == len(set(ids))
    assert "barge-in" in binding_ids() and "quit" in binding_ids()


def test_a_valid_keymap_maps_ids_to_keys():
    loaded = parse_keymap('barge-in = "escape,ctrl+b"\nkeep-alive = "f13"\n')
    assert loaded.keymap == {"barge-in": "escape,ctrl+b", "keep-alive": "f13"}
    assert loaded.problems == ()


def test_unknown_ids_and_wrong_types_are_reported_and_skipped():
    loaded = parse_keymap('barge_in = "f2"\nflush = 3\nreconnect = "f5"\n')
    assert loaded.keymap == {"reconnect": "f5"}
    assert any("unknown binding id 'barge_in'" in p for p in loaded.problems)
    assert any(p.startswith("keymap: flush must be a string") for p in loaded.problems)


def test_keys_the_composer_needs_cannot_be_taken():
    loaded = parse_keymap('flush = "enter,f3"\n')
    assert loaded.keymap == {"flush": "f3"}
    assert "cannot use enter" in loaded.problems[0]


def test_broken_toml_is_one_readable_problem():
    loaded = parse_keymap("barge-in = escape\n")
    assert loaded.keymap == {}
    assert loaded.problems[0].startswith("keymap is not valid TOML")


def test_the_file_lives_under_xdg_config_home(tmp_path: Path):
    assert default_keymap_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "switchboard" / "keymap.toml"
    assert default_keymap_path({"HOME": "/home/op"}) == Path("/home/op/.config/switchboard/keymap.toml")


def test_a_missing_file_is_an_empty_keymap_and_a_bad_one_names_its_path(tmp_path: Path):
    assert load_keymap(tmp_path / "none.toml").keymap == {}
    assert load_keymap(tmp_path / "none.toml").problems == ()
    bad = tmp_path / "keymap.toml"
    bad.write_text('nonsense = "f2"\n', encoding="utf-8")
    assert str(bad) in load_keymap(bad).problems[0]


def test_the_readme_documents_every_binding_id():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    keys_section = readme.split("## Keys", 1)[1]
    assert [i for i in sorted(binding_ids()) if f"`{i}`" not in keys_section] == []


def test_a_key_another_action_owns_is_reported_and_the_rest_of_the_keymap_applies():
    loaded = parse_keymap('raw-send = "ctrl+q"\nflush = "f13,f4"\nkeep-alive = "f14"\n')
    assert loaded.keymap == {"flush": "f13", "keep-alive": "f14"}  # raw-send keeps its f7
    assert any("raw-send cannot use ctrl+q: quit has it" in p for p in loaded.problems)
    assert any("flush cannot use f4: close-context has it" in p for p in loaded.problems)


def test_two_remaps_to_one_key_and_a_swap():
    clash = parse_keymap('flush = "f13"\nkeep-alive = "f13"\n')
    assert clash.keymap == {"flush": "f13"}
    assert any("keep-alive cannot use f13: flush has it" in p for p in clash.problems)
    swap = parse_keymap('flush = "f2"\nkeep-alive = "f3"\n')  # both move: no clash
    assert swap.keymap == {"flush": "f2", "keep-alive": "f3"} and swap.problems == ()


async def test_a_clashing_keymap_is_shown_and_the_owner_keeps_its_key(tmp_path: Path):
    from .consoles import make_app, make_console

    path = tmp_path / "keymap.toml"
    path.write_text('raw-send = "ctrl+q"\nkeep-alive = "f13"\n', encoding="utf-8")
    app = make_app(make_console(), start=False, keymap=load_keymap(path), blink=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        problems = [e.summary for e in app.session.log if "keymap" in e.summary]
        assert any("raw-send cannot use ctrl+q: quit has it (raw-send keeps f7)" in p for p in problems), problems
        assert app.keys_for()["raw-send"] == "f7" and app.keys_for()["keep-alive"] == "f13"
        await pilot.press("f7")  # raw send still opens on its own key
        await pilot.pause()
        assert type(app.screen).__name__ == "RawSendScreen"
