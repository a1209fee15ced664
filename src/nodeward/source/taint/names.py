"""What the engine knows about names: the methods, receivers, fields and request
containers of libraries and frameworks it recognises without a model row.

Data only (no logic): the code in calls.py, expressions.py, sinks.py and heuristics.py
reads these tables; a library the models cannot resolve is taught here as a new entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

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

#: Number methods: their result holds only digits, a sign, a point and an exponent.
NUMBER_METHODS = frozenset({"toFixed", "toPrecision", "toExponential"})

#: Methods that hand a promise's or an observable's value to their callback (`done`:
#: jQuery's deferreds; `subscribe`: RxJS, Angular's HttpClient and router).
SETTLED_METHODS = frozenset({"then", "done", "subscribe"})
CALLBACK_METHODS = SETTLED_METHODS | {"map", "forEach", "filter", "find", "flatMap", "every"}

JQUERY_HTML_METHODS = frozenset(
    {"html", "append", "prepend", "after", "before", "replaceWith", "wrap", "wrapAll"}
)
#: jQuery setters that write text: `$("<li>").text(x)` is an element whose content is x
#: as text, so what they return carries none of x
JQUERY_TEXT_SETTERS = frozenset({"text", "val"})

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

#: The names of a page's global object: `window.location` and `self.location` are one.
GLOBAL_OBJECTS = frozenset({"window", "globalThis", "self"})
BROWSER_GLOBALS = GLOBAL_OBJECTS | {"document", "location"}

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
SQLITE_RECEIVER = re.compile(r"db|database|sqlite", re.I)

#: Writes through a data-store handle the engine cannot resolve (`db.createUser(...)`,
#: `usersRepository.insertOne(...)`): calls.store_write.
STORE_WRITE_METHOD = re.compile(r"^(create|insert|add|save|register|store|put)([A-Z]\w*)?$")
STORE_HANDLE = re.compile(
    r"(^|\.)(db|database|dao|repo|repository|store|storage|prisma|knex|pool|collection)(\.|$)"
    r"|(Dao|Repo|Repository|Store|Storage|Collection|Model)$",
    re.IGNORECASE,
)

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

LOGGER_RECEIVER = re.compile(
    r"^(logger|log|winston|pino|bunyan|(fastify|app|server|req|request)\.log)$", re.I
)

LOGGER_METHODS = frozenset({"info", "warn", "error", "debug", "log", "trace", "fatal", "verbose"})

#: Members of an ODM that make a model class: `mongoose.model(...)`, `sequelize.define(...)`
MODEL_FACTORIES = frozenset({"model", "define"})
BUILTIN_OBJECTS = frozenset(
    {"Promise", "Object", "Array", "JSON", "Math", "Reflect", "Number", "String", "Date", "Map"}
)

VM_RUNNERS = frozenset({("runInContext",), ("runInNewContext",), ("runInThisContext",)})

# multer (`originalname`) and express-fileupload (`name`) take file names from busboy,
# which keeps only the last path segment and drops "." and "..": no traversal.
UPLOAD_FILE_NAMES = frozenset({"originalname", "name"})
# multer's `path`/`destination`/`filename` and express-fileupload's `tempFilePath` are chosen
# by the server's storage (a random name under its folder, or the file name above): no
# traversal either.
UPLOAD_SERVER_PATHS = frozenset({"path", "destination", "filename", "tempFilePath"})

UPLOAD_SOURCES = ("req.file", "request.file")

PATH_ONLY = frozenset({SinkKind.PATH})

ESCAPING_NAME = re.compile(r"escape|encode|sanitize|purify|clean|htmlSafe", re.I)

#: A call named like this hashes or encrypts what it is given: its result is no longer a
#: plaintext password or personal datum (bcrypt.hash, argon2.hash, crypto.scryptSync,
#: createCipheriv(...).update, a project's own hashPassword or encrypt).
#: Fast digests (md5, sha1) count too: what they leave is NW210's weak hash, not plaintext.
#: The one description of hashing by name: the taint engine tests callees with it, the
#: NW211 rule the names compared, SQL text and query parameters (rules/passwords.py), and
#: the stores whose model hashes in a hook the model file's text (plain_storage.py).
HASHING_CALL = re.compile(
    r"hash|crypt|cipher|digest|pbkdf2|scrypt|argon|seal|md5|sha\d|\bsha\b", re.I
)

HASHED_KINDS = frozenset({SinkKind.PLAIN_PASSWORD, SinkKind.PLAIN_PERSONAL})

ESCAPED_KINDS = frozenset({SinkKind.XSS, SinkKind.DOM_XSS, SinkKind.HEADER, SinkKind.LOG})


class ReceiverTest(Enum):
    """How a named sink tests the receiver of `receiver.method(...)`."""

    ANY = "any"
    NAME = "name"  # the pattern is searched in the receiver's last name (`this.db` -> db)
    TEXT = "text"  # the pattern is searched in the receiver as written
    TYPED_SQL_CLIENT = "typed-sql-client"  # a field typed Repository<T>, DataSource, ...
    STORE = "store"  # a model class or a collection handle (heuristics.py)


@dataclass(frozen=True)
class NamedSink:
    """A sink recognised by its method name and a test of its receiver, for clients the
    models cannot resolve (a connection handed to a callback, `this.db`): medium
    confidence. The first row that matches a call decides it."""

    kind: SinkKind
    methods: frozenset[str]
    receiver: ReceiverTest = ReceiverTest.ANY
    pattern: re.Pattern[str] | None = None
    label: str = "{receiver}.{method}()"
    every_argument: bool = False  # else the first argument is the sink
    #: Sequelize's `{ where }` filters take Symbol operators only (sequelize_calls.py)
    not_sequelize: bool = False


NAMED_SINKS = (
    NamedSink(SinkKind.SQL, RAW_SQL_METHODS),
    NamedSink(SinkKind.SQL, SQL_METHODS, ReceiverTest.NAME, SQL_RECEIVER),
    NamedSink(SinkKind.SQL, SQL_METHODS, ReceiverTest.TYPED_SQL_CLIENT),
    NamedSink(SinkKind.SQL, SQLITE_METHODS, ReceiverTest.NAME, SQLITE_RECEIVER),
    NamedSink(
        SinkKind.SQL,
        QUERY_BUILDER_METHODS,
        ReceiverTest.TEXT,
        re.compile("createQueryBuilder"),
        label="query builder {method}()",
    ),
    NamedSink(SinkKind.NOSQL, NOSQL_METHODS, ReceiverTest.STORE, not_sequelize=True),
    NamedSink(
        SinkKind.LOG, LOGGER_METHODS, ReceiverTest.TEXT, LOGGER_RECEIVER, every_argument=True
    ),
)
