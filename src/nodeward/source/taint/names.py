"""What the engine knows about names: the methods, receivers, fields and request
containers of libraries and frameworks it recognises without a model row.

Data only (no logic): the code in calls.py, expressions.py, sinks.py and heuristics.py
reads these tables; a library the models cannot resolve is taught here as a new entry.
"""

from __future__ import annotations

import re

from nodeward.source.taint.model import SinkKind

CONTAINERS = frozenset(
    {"query", "body", "params", "headers", "cookies", "signedCookies", "files", "querystring"}
)


# Response methods that return the response, so `res.status(400).send(x)` is `res.send`.
CHAINABLE = frozenset(
    {"status", "type", "set", "header", "append", "vary", "cookie", "location", "code", "headers"}
)


STRING_METHODS = frozenset(
    {
        "trim",
        "trimStart",
        "trimEnd",
        "toLowerCase",
        "toUpperCase",
        "toString",
        "slice",
        "substring",
        "substr",
        "replace",
        "replaceAll",
        "concat",
        "padStart",
        "padEnd",
        "join",
        "normalize",
        "charAt",
    }
)


BOOLEAN_METHODS = frozenset(
    {"startsWith", "endsWith", "includes", "indexOf", "lastIndexOf", "test", "has", "some"}
)


CALLBACK_METHODS = frozenset({"then", "map", "forEach", "filter", "find", "flatMap", "every"})


JQUERY_HTML_METHODS = frozenset(
    {"html", "append", "prepend", "after", "before", "replaceWith", "wrap", "wrapAll"}
)


SENSITIVE_FIELDS = frozenset(
    {
        "password",
        "passwordHash",
        "password_hash",
        "hash",
        "salt",
        "token",
        "resetToken",
        "secret",
        "ssn",
        "creditCard",
        "apiKey",
    }
)


RECORD_READS = frozenset(
    {"find", "findOne", "findById", "findAll", "findByPk", "findOneAndUpdate", "findAndCountAll"}
)


MERGING_KINDS = frozenset({SinkKind.MASS_ASSIGNMENT, SinkKind.PROTOTYPE})


BROWSER_GLOBALS = frozenset({"window", "globalThis", "self", "document", "location"})


DOM_HTML_PROPERTIES = frozenset({"innerHTML", "outerHTML", "srcdoc"})


REGEX_METHODS = frozenset({"match", "matchAll", "replace", "replaceAll", "search", "split"})


# Receiver-name heuristics for clients the models cannot resolve (a connection handed to a
# callback, `this.db`): medium confidence.
SQL_RECEIVER = re.compile(
    r"(db|conn|connection|pool|client|sql|sequelize|knex|database|mysql|pg|sqlite|"
    r"manager|datasource|repository|repo|trx|tx)$",
    re.I,
)


SQL_METHODS = frozenset({"query", "execute", "raw"})


SQLITE_METHODS = frozenset({"run", "all", "exec", "each", "prepare"})


RAW_SQL_METHODS = frozenset(
    {"whereRaw", "havingRaw", "orderByRaw", "joinRaw", "$queryRawUnsafe", "$executeRawUnsafe"}
)


QUERY_BUILDER_METHODS = frozenset({"where", "andWhere", "orWhere", "having"})


NOSQL_METHODS = frozenset(
    {
        "find",
        "findOne",
        "findOneAndUpdate",
        "findOneAndDelete",
        "findOneAndRemove",
        "findOneAndReplace",
        "updateOne",
        "updateMany",
        "update",
        "deleteOne",
        "deleteMany",
        "remove",
        "count",
        "countDocuments",
        "exists",
        "aggregate",
        "mapReduce",
        "where",
    }
)


MASS_ASSIGNMENT_METHODS = {
    "create": 0,
    "insertMany": 0,
    "insert": 0,
    "build": 0,
    "update": 1,
    "updateOne": 1,
    "updateMany": 1,
    "findOneAndUpdate": 1,
    "findByIdAndUpdate": 1,
    "merge": 1,
}


LOGGER_RECEIVER = re.compile(r"^(logger|log|winston|pino|bunyan|fastify\.log|req\.log)$", re.I)


LOGGER_METHODS = frozenset({"info", "warn", "error", "debug", "log", "trace", "fatal", "verbose"})


BUILTIN_OBJECTS = frozenset(
    {"Promise", "Object", "Array", "JSON", "Math", "Reflect", "Number", "String", "Date", "Map"}
)


VM_RUNNERS = frozenset({("runInContext",), ("runInNewContext",), ("runInThisContext",)})


# multer (`originalname`) and express-fileupload (`name`) take file names from busboy,
# which keeps only the last path segment and drops "." and "..": no traversal.
UPLOAD_FILE_NAMES = frozenset({"originalname", "name"})


UPLOAD_SOURCES = ("req.file", "request.file")


PATH_ONLY = frozenset({SinkKind.PATH})


ESCAPING_NAME = re.compile(r"escape|encode|sanitize|purify|clean|htmlSafe", re.I)


ESCAPED_KINDS = frozenset({SinkKind.XSS, SinkKind.DOM_XSS, SinkKind.HEADER, SinkKind.LOG})
