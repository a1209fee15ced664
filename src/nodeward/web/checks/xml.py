"""XML: external-entity processing (XXE) and XPath injection.

XXE is proven with an internal entity only (never a file or a network URL): two entities
whose values are halves of a marker come back joined, which an echo of the document (where
the halves stand apart) cannot show. XPath injection is proven by the XPath engine's own
error for a lone quote that two quotes do not cause, or by a boolean condition that only
XPath understands (count(/*), which is a syntax error in SQL) changing the answer."""

from __future__ import annotations

import re

from nodeward.web.checks.attempt import Attempt, without
from nodeward.web.checks.context import token

XPATH_ERRORS = re.compile(
    r"(Unterminated string literal|XPath parse error|XPathException|XPathEvalError"
    r"|xmlXPathEval|Invalid XPath|javax\.xml\.xpath|Invalid predicate|XPathResult"
    r"|Expected (?:predicate|step|expression)|SimpleXMLElement::xpath)",
    re.I,
)


def xxe(attempt: Attempt) -> bool:
    head, tail = token("nwe"), token("")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE nw [<!ENTITY a "{head}"><!ENTITY b "{tail}">]>'
        "<nw>&a;&b;</nw>"
    )
    exchange = attempt.send(document)
    if exchange is None or head + tail not in exchange.response.text:
        return False
    return attempt.found(
        "NW111",
        exchange,
        f"The {attempt.point.describe()} is parsed as XML with entity expansion: an entity "
        "declared in the request's DOCTYPE was expanded; disable entities and DTDs "
        "(libxmljs: { noent: false, dtdload: false })",
        around=head + tail,
    )


def xpath(attempt: Attempt) -> bool:
    point = attempt.point
    broken = attempt.quoted
    if broken is not None:
        error = XPATH_ERRORS.search(broken.response.text)
        if error and not XPATH_ERRORS.search(attempt.control_text()):
            # XPath 1.0 has no escaped quote: close the literal with a true condition.
            balanced = attempt.send(point.value + "' and 'a'='a")
            if balanced is not None and not XPATH_ERRORS.search(balanced.response.text):
                return attempt.found(
                    "NW114",
                    broken,
                    f"A quote in the {point.describe()} breaks an XPath expression "
                    f"({error.group(0)!r}); pass input as an XPath variable, never in the "
                    "expression text",
                    around=error.group(0),
                )
    # A prefix no record matches: the false condition must then select what a plain
    # unknown value selects (the control), the true one everything.
    prefix = token("nwp")
    true_text = prefix + "' or count(/*)=1 or 'a'='b"
    false_text = prefix + "' or count(/*)=2 or 'a'='b"
    true_ = attempt.send(true_text)
    false_ = attempt.send(false_text)
    control = attempt.control
    if true_ is None or false_ is None or control is None or true_.response.status != 200:
        return False
    differs = without(true_, true_text) != without(false_, false_text)
    unknown = without(control, *attempt.markers)
    if not differs or without(false_, false_text) != unknown:
        return False
    again = attempt.send(true_text)
    if again is None or without(again, true_text) != without(true_, true_text):
        return False
    return attempt.found(
        "NW114",
        true_,
        f'The {point.describe()} changes the answer with "\' or count(/*)=1" versus '
        '"\' or count(/*)=2": the value is part of an XPath expression; pass it as an '
        "XPath variable",
    )
