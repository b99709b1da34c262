"""The console screen and its modals: help (F1), raw frame send, context picker."""
