"""Every operator action in one table: its binding id, default keys, and what it does.

The footer, the help screen (F1), the command palette and the keymap file all read this table,
so an action added here is bound, documented, searchable and remappable at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class ConsoleAction:
    id: str  # binding id: the name used in keymap.toml
    keys: str  # default keys, comma separated (Textual key names)
    action: str  # the screen action it runs (action_<name>)
    label: str  # short footer label
    help: str  # one line for the help screen and the command palette
    show: bool = True  # shown in the footer (the rest are in F1 and the palette)
    priority: bool = False  # fires even while the composer has focus
    mode: str = "any"  # "live": only with a connection; "replay": only while replaying; "scenario": while one plays

    @property
    def name(self) -> str:
        """The action without its arguments ("rate(1.25)" → "rate"), as check_action gets it."""
        return self.action.split("(")[0]


# The demo screen binds it too (id demo-mode): back to the console layout. Every F-key and free
# letter has an owner or is what tests and the README suggest as a free key (f11, ctrl+b).
DEMO_KEY = "ctrl+backslash"

ACTIONS: tuple[ConsoleAction, ...] = (
    # Escape must barge in while the operator is typing: priority beats the composer.
    ConsoleAction(
        "barge-in",
        "escape",
        "barge_in",
        "barge-in",
        "Silence the speaker, then close (Murf: clear) the speaking context",
        priority=True,
        mode="live",
    ),
    ConsoleAction("help", "f1", "help", "help", "Show the keys and what the panels mean"),
    ConsoleAction(
        "keep-alive",
        "f2",
        "keep_alive",
        "keep",
        "Send a keep-alive to every open context (resets its inactivity clock)",
        mode="live",
    ),
    ConsoleAction(
        "flush",
        "f3",
        "flush_now",
        "flush",
        "Flush the context being streamed: generate what is buffered now",
        mode="live",
    ),
    ConsoleAction(
        "close-context",
        "f4",
        "close_context",
        "close",
        "Close a context you choose (it drains until its final frame)",
        mode="live",
    ),
    ConsoleAction(
        "reconnect",
        "f5",
        "reconnect",
        "reconnect",
        "Drop the connection and connect again (typed text is kept)",
        show=False,
        mode="live",
    ),
    ConsoleAction(
        "guard",
        "f6",
        "toggle_guard",
        "limit guard",
        "Toggle the client-side guard against opening a context past the dialect's limit",
        show=False,
        mode="live",
    ),
    ConsoleAction(
        "faster",
        "ctrl+up",
        "rate(1.25)",
        "faster",
        "Stream turns faster (words per second × 1.25)",
        show=False,
        mode="live",
    ),
    ConsoleAction(
        "slower",
        "ctrl+down",
        "rate(0.8)",
        "slower",
        "Stream turns slower (words per second ÷ 1.25)",
        show=False,
        mode="live",
    ),
    ConsoleAction(
        "slow-pace",
        "ctrl+s",
        "toggle_pace",
        "slow",
        "Toggle the slow pace for exploring flushes and back to the default pace",
        mode="live",
    ),
    ConsoleAction(
        "turn-end",
        "ctrl+g",
        "cycle_turn_end",
        "ending",
        "Next end-of-turn pattern: flush-close, close after first / last audio, flush only",
        mode="live",
    ),
    ConsoleAction(
        "raw-send", "f7", "raw_send", "raw", "Type any JSON frame and send it as is", show=False, mode="live"
    ),
    ConsoleAction("clear-log", "f8", "clear_log", "clear log", "Clear the frame log", show=False),
    ConsoleAction(
        "log-follow", "f9", "toggle_follow", "follow", "Follow the frame log, or pause it to read", show=False
    ),
    ConsoleAction(
        "log-filter", "f10", "filter_log", "filter", "Show the frames of one context only, or of all", show=False
    ),
    ConsoleAction(
        "log-line",
        "ctrl+o",
        "frame_detail",
        "line",
        "Read a frame-log line whole (the newest, or the bottom one while paused)",
    ),
    ConsoleAction(
        "settings",
        "ctrl+y",
        "settings",
        "settings",
        "Settings: voice_settings, generation_config, Murf voice_config, query options (saved per provider)",
        mode="live",
    ),
    ConsoleAction(
        "dismiss",
        "f12",
        "dismiss_banner",
        "dismiss",
        "Hide the error banner (the frame log keeps every error)",
        show=False,
    ),
    ConsoleAction(
        "theme",
        "ctrl+t",
        "app.next_theme",
        "theme",
        "Switch to the next colour theme (saved for next time)",
        show=False,
    ),
    ConsoleAction(
        "demo-mode",
        DEMO_KEY,
        "app.toggle_demo",
        "demo",
        "Demo layout for a room: the speaking turn big, a callout at each barge-in (the same key goes back)",
        show=False,
    ),
    ConsoleAction(
        "scenario-open",
        "ctrl+r",
        "scenario_open",
        "scenario",
        "Play a scenario file on this console: pause and step it; Escape still barges in by hand",
        show=False,
        mode="live",
    ),
    ConsoleAction(
        "scenario-pause",
        "ctrl+z",
        "scenario_pause",
        "pause",
        "Scenario: pause (nothing more is sent), or play on",
        mode="scenario",
    ),
    ConsoleAction(
        "scenario-step", "ctrl+n", "scenario_step", "step", "Scenario: play the next step, then hold", mode="scenario"
    ),
    ConsoleAction(
        "timeline",
        "ctrl+f",
        "timeline",
        "timeline",
        "Show or hide the timeline: a lane per context (text, audio, heard, barge-in, final, errors)",
        show=False,
    ),
    ConsoleAction(
        "turn-detail",
        "f11",
        "turn_detail",
        "turn",
        "A turn's figures: TTFA, close→final, frames, late frames, words, markers, errors (or click its slot or line)",
        show=False,
    ),
    # Replay: the composer is off, so plain keys are free.
    ConsoleAction("replay-pause", "space", "replay('p')", "play/pause", "Replay: pause, or play on", mode="replay"),
    ConsoleAction(
        "replay-step", "n", "replay('step')", "step", "Replay: play up to the next received frame", mode="replay"
    ),
    ConsoleAction(
        "replay-next",
        "b",
        "replay('next')",
        "next barge-in",
        "Replay: seek to the next barge-in (skipped audio is not played)",
        mode="replay",
    ),
    ConsoleAction("replay-faster", "plus", "replay_speed(2)", "faster", "Replay: twice as fast", mode="replay"),
    ConsoleAction("replay-slower", "minus", "replay_speed(0.5)", "slower", "Replay: half as fast", mode="replay"),
    ConsoleAction(
        "replay-restart",
        "r",
        "replay('restart')",
        "restart",
        "Replay: play again from the start (the model starts afresh)",
        mode="replay",
    ),
    ConsoleAction(
        "replay-start",
        "0",
        "replay('start')",
        "to start",
        "Replay: go back to the start, paused (step or play from there)",
        mode="replay",
    ),
)

# Keys a remap may not take, because the composer needs them to edit text.
COMPOSER_KEYS = frozenset(
    {
        "enter",
        "backspace",
        "delete",
        "left",
        "right",
        "home",
        "end",
        "tab",
        "shift+tab",
        "ctrl+a",
        "ctrl+e",
        "ctrl+d",
        "ctrl+k",
        "ctrl+w",
        "ctrl+x",
        "ctrl+c",
        "ctrl+v",
    }
)

# The app's own bindings (id → default key) that keymap.toml may also remap.
APP_KEYS = {"quit": "ctrl+q", "command-palette": "ctrl+p"}


def console_bindings() -> list[BindingType]:
    return [
        Binding(a.keys, a.action, a.label, show=a.show, priority=a.priority, id=a.id, tooltip=a.help) for a in ACTIONS
    ]


def action_modes() -> dict[str, str]:
    """Action name (without arguments) → the mode it needs: "live", "replay" or "any"."""
    return {a.name: a.mode for a in ACTIONS}


def binding_ids() -> frozenset[str]:
    return frozenset(a.id for a in ACTIONS) | frozenset(APP_KEYS)


def default_keys() -> dict[str, str]:
    """Binding id → its default keys (comma separated), the app's own bindings included."""
    return {a.id: a.keys for a in ACTIONS} | APP_KEYS
