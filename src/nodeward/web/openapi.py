"""Requests from an OpenAPI 3 description (--openapi FILE, JSON or YAML): every operation
becomes a request shape with its path, query, header and cookie parameters and its JSON or
form body fields, each with a sample value.

The file is untrusted input: its size is capped, YAML is read with safe_load, `$ref`s are
followed only inside the document and only so deep, and the servers it names are never
contacted (only their path prefix is kept: the probe talks to its target alone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from nodeward.web.inputs import Field, Place, RequestShape

MAX_BYTES = 5_000_000
MAX_OPERATIONS = 5_000
_MAX_REF_DEPTH = 8
_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_PLACES = {"query": Place.QUERY, "path": Place.PATH, "header": Place.HEADER, "cookie": Place.COOKIE}


class OpenApiError(ValueError):
    """A description nodeward cannot use; the message says why."""


def load(path: Path, base: str) -> tuple[RequestShape, ...]:
    """The operations of the description at `path` as requests to `base` (scheme://host)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise OpenApiError(f"{path}: larger than {MAX_BYTES // 1_000_000} MB")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OpenApiError(f"{path}: cannot read: {error}") from None
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise OpenApiError(f"{path}: not valid JSON or YAML: {str(error)[:200]}") from None
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3"):
        raise OpenApiError(f"{path}: not an OpenAPI 3 description (no `openapi: 3.x` key)")
    return shapes(document, base)


def shapes(document: dict[str, Any], base: str) -> tuple[RequestShape, ...]:
    prefix = _server_prefix(document)
    found: list[RequestShape] = []
    paths = document.get("paths")
    for template, item in paths.items() if isinstance(paths, dict) else ():
        if not isinstance(template, str) or not template.startswith("/"):
            continue
        item = _resolve(document, item)
        if not isinstance(item, dict):
            continue
        shared = _parameters(document, item.get("parameters"))
        for method in _METHODS:
            operation = _resolve(document, item.get(method))
            if not isinstance(operation, dict):
                continue
            fields = {(f.place, f.name): f for f in shared}
            for f in _parameters(document, operation.get("parameters")):
                fields[(f.place, f.name)] = f
            for f in _body(document, operation.get("requestBody")):
                fields[(f.place, f.name)] = f
            route = prefix + _express_path(template)
            found.append(
                RequestShape(method.upper(), base, route, tuple(fields.values()), "openapi")
            )
            if len(found) >= MAX_OPERATIONS:
                return tuple(found)
    return tuple(found)


def _server_prefix(document: dict[str, Any]) -> str:
    servers = document.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        path = urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")
        if path.startswith("/") and "{" not in path:
            return path
    return ""


def _express_path(template: str) -> str:
    """/users/{id} -> /users/:id"""
    out, rest = [], template
    while "{" in rest and "}" in rest.split("{", 1)[1]:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        out.append(before + ":" + "".join(c if c.isalnum() or c == "_" else "_" for c in name))
    return "".join(out) + rest


def _resolve(document: dict[str, Any], value: Any, depth: int = 0) -> Any:
    """Follow local `$ref`s (#/components/...); anything else stays as it is."""
    while isinstance(value, dict) and isinstance(value.get("$ref"), str) and depth < _MAX_REF_DEPTH:
        ref: str = value["$ref"]
        if not ref.startswith("#/"):
            return None
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        value, depth = target, depth + 1
    return None if depth >= _MAX_REF_DEPTH else value


def _parameters(document: dict[str, Any], raw: Any) -> list[Field]:
    fields = []
    for entry in raw if isinstance(raw, list) else ():
        entry = _resolve(document, entry)
        if not isinstance(entry, dict):
            continue
        place = _PLACES.get(str(entry.get("in", "")))
        name = entry.get("name")
        if place is None or not isinstance(name, str) or not name or len(name) > 128:
            continue
        fields.append(Field(place, name, _sample(document, entry, entry.get("schema"))))
    return fields


def _body(document: dict[str, Any], raw: Any) -> list[Field]:
    body = _resolve(document, raw)
    content = body.get("content") if isinstance(body, dict) else None
    if not isinstance(content, dict):
        return []
    for media, place in (
        ("application/json", Place.JSON),
        ("application/x-www-form-urlencoded", Place.FORM),
        ("multipart/form-data", Place.MULTIPART),
    ):
        entry = content.get(media)
        if not isinstance(entry, dict):
            continue
        schema = _resolve(document, entry.get("schema"))
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict):
            continue
        return [
            Field(
                Place.FILE if place is Place.MULTIPART and _is_file(document, prop) else place,
                name,
                _sample(document, {}, prop),
            )
            for name, prop in list(properties.items())[:200]
            if isinstance(name, str) and name and len(name) <= 128
        ]
    return []


def _is_file(document: dict[str, Any], raw_schema: Any) -> bool:
    """A multipart property that carries a file: `type: string, format: binary`."""
    schema = _resolve(document, raw_schema)
    return isinstance(schema, dict) and schema.get("format") in ("binary", "base64")


def _sample(document: dict[str, Any], entry: dict[str, Any], raw_schema: Any) -> str:
    schema = _resolve(document, raw_schema)
    schema = schema if isinstance(schema, dict) else {}
    for candidate in (entry.get("example"), schema.get("example"), schema.get("default")):
        if isinstance(candidate, str | int | float) and not isinstance(candidate, bool):
            return str(candidate)[:200]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and isinstance(enum[0], str | int):
        return str(enum[0])[:200]
    match schema.get("type"):
        case "integer" | "number":
            return "1"
        case "boolean":
            return "true"
        case _:
            return "nodeward"
