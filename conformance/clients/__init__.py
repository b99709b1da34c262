"""One module per real client; each runs the same three turns against the URL it is given."""
