"""argparse pieces shared by the subcommands' flags."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


class AppendTuple(argparse.Action):
    """Like action="append", but the result is a tuple of strings, as the frozen Config
    expects."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        current = getattr(namespace, self.dest, None)
        previous = current if isinstance(current, tuple) else ()
        setattr(namespace, self.dest, (*previous, str(values)))
