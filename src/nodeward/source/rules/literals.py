"""Judging string literals: placeholders, prose, entropy; and where test code lives."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

from nodeward.source import syntax
from nodeward.source.parse import Node

_PLACEHOLDER = re.compile(
    r"^(?:x+|\*+|\.+|-+|_+|#+|0+|1234\d*|abc\d*|null|none|undefined|nil|true|false|test|"
    r"secret|password|passwd|pass|pwd|token|key|apikey|api[_-]key|admin|root|user(?:name)?|"
    r"string|text|number|hidden|required|bearer|basic|sha\d+|md5|hs256|rs256)$"
    r"|change[-_ ]?(?:me|it|this)|replace[-_ ]?(?:me|this)|your[-_ ]|<[^<>]*+>|\$\{|\{\{|%\(|%s"
    r"|example|placeholder|dummy|sample|redacted|todo|fixme|xxxx|insert[-_ ]|enter[-_ ]"
    r"|not[-_ ]?(?:a|the|so|very)[-_ ]?(?:real|secret)|fake|mock",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]{2,}$")  # GITHUB_TOKEN, __WEBPACK_REF__
_TRANSLATION_PATH = re.compile(r"(?:^|/)(?:locales?|i18n|l10n|lang|langs|translations?)/", re.I)
_TEST_PATH = re.compile(
    r"(?:^|/)(?:tests?|__tests__|__mocks__|spec|specs|e2e|fixtures?|cypress|mocks?|examples?)/"
    r"|\.(?:test|spec|e2e|stories)\.[cm]?[jt]sx?$",
    re.IGNORECASE,
)


def literal_text(node: Node | None) -> str | None:
    """The value of a string literal, or the raw text of a template literal (with its
    `${...}` parts left in, so callers can see what was interpolated)."""
    node = syntax.unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        return syntax.string_value(node)
    if node.type == "template_string":
        return syntax.text(node)[1:-1]
    return None


def literal_texts(source: bytes, nodes: Iterable[Node], shortest: int) -> list[str | None]:
    """literal_text() of each string or template literal of `nodes`, None for those of
    fewer than `shortest` bytes (quotes included), which are not decoded. The text is
    sliced from `source`, the bytes the file was parsed from (what syntax.text() decodes,
    without asking each node for it): a rule that reads every literal of every file."""
    values: list[str | None] = []
    for node in nodes:
        start, end = node.start_byte, node.end_byte
        if end - start < shortest:
            values.append(None)
            continue
        written = source[start:end].decode("utf-8", errors="replace")
        if node.type == "template_string":
            values.append(written[1:-1])
        elif "\\" not in written and len(written) > 1 and written[0] == written[-1]:
            values.append(written[1:-1])  # what syntax.string_value() reads of it
        else:
            values.append(literal_text(node))
    return values


def secret_as_written(node: Node, part: str | None = None) -> tuple[str, ...]:
    """What a report must mask to hide the credential in literal `node`: `part` of its value
    (a key inside a longer string, a URL's password), or the whole literal, as written in
    the source (with its escapes), one piece per source line since a snippet is one line;
    plus `part` as decoded, which a message may quote."""
    source = syntax.text(node)[1:-1]
    written = part if part is not None and part in source else source
    pieces = [piece.strip() for piece in written.split("\n")]
    if part is not None:
        pieces.append(part)
    return tuple(dict.fromkeys(piece for piece in pieces if piece))


def is_placeholder(value: str) -> bool:
    stripped = value.strip()
    return (
        not stripped
        or bool(_PLACEHOLDER.search(stripped))
        or bool(_ENV_NAME.match(stripped))
        or len(set(stripped)) <= 2
    )


def is_prose(value: str) -> bool:
    """UI text and messages ("Password is required.") rather than a credential."""
    parts = value.split()
    return len(parts) >= 3 or (len(parts) >= 2 and value.rstrip()[-1:] in ".!?:")


def looks_like_path(value: str) -> bool:
    return value.startswith(("/", "./", "../", "http://", "https://", "#", "@"))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_test_path(rel: str) -> bool:
    return bool(_TEST_PATH.search(rel))


def is_translation_path(rel: str) -> bool:
    """Locale files map `password` to the word for it ("Passwort"), not to a password."""
    return bool(_TRANSLATION_PATH.search(rel))
