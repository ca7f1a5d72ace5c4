"""Command-line entry point: parse arguments, hand over to one command module. Stays thin."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.errors import NewsbotError

# Each module in bot/commands/ exposes ``register(subparsers)``, which adds its parser and sets
# ``handler(args) -> int`` as the default. Imported lazily so ``newsbot check`` never loads Slack.
COMMANDS = ("check", "preview", "query", "demo", "post", "run", "fetch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="Ranked daily news digests for Slack.")
    parser.add_argument("--version", action="version", version=f"newsbot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"bot.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
        sys.stdout.flush()  # here, so that a closed pipe is caught below rather than at exit
    except NewsbotError as err:
        print(f"newsbot {args.command}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsbot check | head`: the reader left; stop quietly
        with contextlib.suppress(OSError, ValueError):  # so the interpreter's final flush is silent too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code
