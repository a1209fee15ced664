"""Requests documented on the crawled pages as curl command lines (API docs, test benches,
admin help pages): `curl http://localhost:3000/items/:id -X POST -H "X-Key: v" -b "c=v"
-d "a=b"` becomes a request shape with its path parameter, header, cookie and body field.

Only URLs on the target, localhost or 127.0.0.1 are taken (as paths on the target); the page
text is untrusted, so commands are bounded in number and length."""

from __future__ import annotations

import html
import json
import re
import shlex
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from nodeward.web.exchange import Exchange
from nodeward.web.inputs import Field, Place, RequestShape, path_fields, plain_sample

MAX_COMMANDS = 500
_MAX_LINE = 2000
_CURL = re.compile(rf"(?<![\w-])curl\s[^\n<]{{1,{_MAX_LINE}}}")
_TAG = re.compile(r"<[^>]{0,2000}>")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def curl_shapes(pages: Iterable[Exchange], base: str) -> list[RequestShape]:
    shapes: list[RequestShape] = []
    target_host = (urlsplit(base).hostname or "").lower()
    for exchange in pages:
        if not exchange.response.is_html:
            continue
        text = html.unescape(_TAG.sub("\n", exchange.response.text)).replace("\\\n", " ")
        for match in _CURL.finditer(text):
            shape = _parse(match.group(0), base, target_host)
            if shape is not None:
                shapes.append(shape)
            if len(shapes) >= MAX_COMMANDS:
                return shapes
    return shapes


def _parse(line: str, base: str, target_host: str) -> RequestShape | None:
    try:
        words = shlex.split(line)[1:]
    except ValueError:
        return None
    url = method = None
    fields: list[Field] = []
    data: list[str] = []
    json_body = False
    words_iter = iter(words)
    for word in words_iter:
        if word in ("-X", "--request"):
            method = next(words_iter, "GET").upper()
        elif word in ("-H", "--header"):
            name, sep, value = next(words_iter, "").partition(":")
            if sep and name.strip():
                if name.strip().lower() == "content-type" and "json" in value.lower():
                    json_body = True
                elif name.strip().lower() != "content-type":
                    fields.append(Field(Place.HEADER, name.strip(), plain_sample(value.strip())))
        elif word in ("-b", "--cookie"):
            for part in next(words_iter, "").split(";"):
                name, sep, value = part.partition("=")
                if sep and name.strip():
                    fields.append(Field(Place.COOKIE, name.strip(), plain_sample(value.strip())))
        elif word in ("-d", "--data", "--data-raw", "--data-urlencode", "--json"):
            json_body = json_body or word == "--json"
            data.append(next(words_iter, ""))
        elif not word.startswith("-") and url is None:
            url = word
    if url is None:
        return None
    parts = urlsplit(url if "://" in url else "http://localhost" + url)
    if (parts.hostname or "").lower() not in _LOCAL_HOSTS | {target_host}:
        return None
    path = parts.path or "/"
    fields = [
        *path_fields(path),
        *(Field(Place.QUERY, k, plain_sample(v)) for k, v in parse_qsl(parts.query)),
        *fields,
        *_body_fields(data, json_body),
    ]
    chosen = method or ("POST" if data else "GET")
    return RequestShape(chosen, base, path, tuple(fields), "page")


def _body_fields(data: list[str], json_body: bool) -> list[Field]:
    fields = []
    for chunk in data:
        if json_body or chunk.lstrip().startswith("{"):
            try:
                parsed = json.loads(chunk)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                fields += [
                    Field(Place.JSON, str(k), plain_sample(str(v)))
                    for k, v in list(parsed.items())[:50]
                    if isinstance(v, str | int | float)
                ]
        else:
            fields += [
                Field(Place.FORM, k, plain_sample(v))
                for k, v in parse_qsl(chunk, keep_blank_values=True)[:50]
            ]
    return fields
