"""Switchboard: a terminal console for multi-context TTS WebSockets."""
