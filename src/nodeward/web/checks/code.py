"""Server-side JavaScript injection: input that reaches eval, Function or vm is evaluated.

The oracle is arithmetic: `a*b` with random factors must come back as the product while the
payload's own text does not (an echo shows `a*b`, never its product), and a second pair of
factors must do the same."""

from __future__ import annotations

import secrets

from nodeward.web.checks.attempt import Attempt
from nodeward.web.exchange import Exchange

#: How the product is spliced into the evaluated text: alone, as a string (a handler that
#: sends a bare number makes Express read it as a status code), or closing a string literal.
_SHAPES = ("{a}*{b}", "''+{a}*{b}", "'+({a}*{b})+'", '"+({a}*{b})+"')


def _evaluated(attempt: Attempt, shape: str) -> Exchange | None:
    """The answer when it shows the product of fresh random factors, else None."""
    a, b = 1000 + secrets.randbelow(8999), 1000 + secrets.randbelow(8999)
    exchange = attempt.send(shape.format(a=a, b=b))
    if exchange is None:
        return None
    text = exchange.response.text
    product = str(a * b)
    if product in text and f"{a}*{b}" not in text and product not in attempt.control_text():
        return exchange
    return None


def check(attempt: Attempt) -> bool:
    for shape in _SHAPES:
        exchange = _evaluated(attempt, shape)
        if exchange is not None and _evaluated(attempt, shape) is not None:
            return attempt.found(
                "NW104",
                exchange,
                f"The {attempt.point.describe()} is evaluated as JavaScript: a multiplication "
                "in it came back computed; never pass input to eval, Function or vm, parse "
                "it (JSON.parse, Number) instead",
            )
    return False
