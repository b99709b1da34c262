"""Saving a setting edits the user's config.toml in place: their comments and layout survive."""

from __future__ import annotations

import tomllib

from tui.ui.settings import load_config, save_theme

USERS_FILE = """\
# my switchboard settings
theme = "switchboard-dark"   # dark by day

# the rest is for later
[later]
keep = [1, 2]  # as written
"""


def test_a_theme_save_keeps_the_users_comments_and_layout(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USERS_FILE, encoding="utf-8")
    assert save_theme("stage", path) is None
    assert path.read_text(encoding="utf-8") == USERS_FILE.replace('"switchboard-dark"', '"stage"')
    assert load_config(path).theme == "stage"


def test_a_new_key_goes_before_the_users_tables_and_their_comments_stay(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(USERS_FILE.replace('theme = "switchboard-dark"   # dark by day\n', ""), encoding="utf-8")
    assert save_theme("high-contrast", path) is None
    text = path.read_text(encoding="utf-8")
    assert "# my switchboard settings" in text and "# the rest is for later" in text and "# as written" in text
    data = tomllib.loads(text)
    assert data == {"theme": "high-contrast", "later": {"keep": [1, 2]}}
