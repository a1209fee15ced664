"""Which written fields the plaintext-storage sinks judge (NW211, NW631), and which stores
a model hook exempts."""

from __future__ import annotations

import pytest

from nodeward.source.taint.model import SinkKind
from nodeward.source.taint.plain_storage import StoreModels, field_kind


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("password", SinkKind.PLAIN_PASSWORD),
        ("userPassword", SinkKind.PLAIN_PASSWORD),
        ("pwd", SinkKind.PLAIN_PASSWORD),
        ("passwordHash", None),
        ("hashedPassword", None),
        ("passwordResetToken", None),
        ("passwordChangedAt", None),
        ("confirmPassword", None),
        ("ssn", SinkKind.PLAIN_PERSONAL),
        ("date_of_birth", SinkKind.PLAIN_PERSONAL),
        ("dob", SinkKind.PLAIN_PERSONAL),
        ("creditCard", SinkKind.PLAIN_PERSONAL),
        ("cardNumber", SinkKind.PLAIN_PERSONAL),
        ("email", None),
        ("passage", None),
        ("compass", None),
    ],
)
def test_field_kind(key: str, kind: SinkKind | None) -> None:
    assert field_kind(key) is kind


def test_a_hooked_store_is_exempt_a_raw_collection_never() -> None:
    models = StoreModels(hooked=frozenset({"user"}), defined=frozenset({"user"}), hashes=True)
    assert models.exempt("user", "User.create()")
    # a model defined out of sight, in a project that hashes passwords: maybe in a hook
    assert models.exempt("account", "Account.create()")
    # SQL and prisma writes have no model hooks
    assert not models.exempt("account", "an INSERT into accounts")
    assert not models.exempt("account", "prisma.account.create()")
    assert not StoreModels(defined=frozenset({"member"}), hashes=True).exempt(
        "member", "members.insertOne()"
    )
    assert not StoreModels().exempt("account", "Account.create()")
