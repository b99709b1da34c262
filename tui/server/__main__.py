"""`python -m tui.server [options]`: the same as `switchboard serve [options]`."""

import argparse
import sys

from .cli import SERVE_DESCRIPTION, add_serve_arguments, run_serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.server", description=SERVE_DESCRIPTION)
    add_serve_arguments(parser)
    return run_serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
