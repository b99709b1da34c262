"""The console's widgets, one per screen area: status strip, slot panels, transcript, composer, frame log, banner."""
