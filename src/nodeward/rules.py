"""The one explicit registry of checkers: the code that runs the static rules. Their
identities and docs live in the catalogue (nodeward.catalog); only the scan imports this."""

from __future__ import annotations

from nodeward.checks import Checker
from nodeward.manifests import compose, containers, kubernetes, node_env, npm_scripts
from nodeward.source.rules import (
    access_control,
    auth_flows,
    brute_force,
    cookies,
    cors,
    csrf,
    dangerous_calls,
    diagnostics,
    dos,
    errors,
    exposure,
    flows,
    graphql_limits,
    graphql_server,
    header_order,
    headers,
    homemade_crypto,
    jwt,
    logging_rules,
    passwords,
    rate_limit_keys,
    sessions,
    tokens,
)
from nodeward.source.rules import secrets as secret_rules

#: Rules checked on the syntax tree and on manifests, in report order.
CHECKERS: tuple[Checker, ...] = (
    sessions.CHECKER,
    cookies.CHECKER,
    cors.CHECKER,
    headers.CHECKER,
    jwt.CHECKER,
    errors.CHECKER,
    dangerous_calls.CHECKER,
    containers.CHECKER,
    compose.CHECKER,
    kubernetes.CHECKER,
    npm_scripts.CHECKER,
    node_env.CHECKER,
    secret_rules.CHECKER,
    passwords.CHECKER,
    tokens.CHECKER,
    homemade_crypto.CHECKER,
    dos.CHECKER,
    exposure.CHECKER,
    graphql_server.CHECKER,
    graphql_limits.CHECKER,
    logging_rules.CHECKER,
    csrf.CHECKER,
    brute_force.CHECKER,
    rate_limit_keys.CHECKER,
    access_control.CHECKER,
    diagnostics.CHECKER,
    header_order.CHECKER,
    auth_flows.CHECKER,
    flows.CHECKER,
)

#: Rules more than one checker implements, each seeing another form of the weakness:
#: NW211 in the syntax tree (passwords.py: comparisons, lookups by the raw password) and
#: in the taint engine's flows (flows.py: the request's password stored, across modules).
SHARED_RULES = frozenset({"NW211"})
