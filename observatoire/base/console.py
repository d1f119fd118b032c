"""Console output shared by both command lines: a reader that went away (`... | head`) is not an error."""
from __future__ import annotations

import os
import sys


def say(text: str, err: bool = False) -> None:
    """Print for the user; a closed pipe must not turn a result into a traceback."""
    stream = sys.stderr if err else sys.stdout
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        silence(stream)


def silence(stream) -> None:
    """Point a stream whose reader left at /dev/null: Python flushes it again at exit, which would fail too."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
    except (OSError, ValueError):
        pass


def run_cli(main_function) -> None:
    """Exit with main's code; a closed pipe ends quietly (code 141, as a shell says) with no traceback."""
    try:
        code = main_function()
        sys.stdout.flush()
    except BrokenPipeError:
        silence(sys.stdout)
        code = 141
    sys.exit(code)
