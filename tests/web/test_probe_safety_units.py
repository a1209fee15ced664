"""The safety policy, URL patterns and the health window as pure functions."""

from __future__ import annotations

import pytest

from nodeward.web.coverage import CoverageRecorder
from nodeward.web.crawl import Form, FormField
from nodeward.web.exchange import Request
from nodeward.web.health import HealthMonitor
from nodeward.web.safety import SafetyPolicy, UrlPattern, split_patterns, state_change_reason

BASE = "http://127.0.0.1:3000"


@pytest.mark.parametrize(
    ("method", "path", "reason"),
    [
        ("GET", "/logout", "path word 'logout'"),
        ("GET", "/log-out", "path word 'logout'"),
        ("GET", "/sign_out", "path word 'signout'"),
        ("GET", "/delete?id=1", "path word 'delete'"),
        ("GET", "/users/deleteUser", "path word 'delete'"),
        ("GET", "/admin/drop", "path word 'drop'"),
        ("GET", "/admin/drop-table", "path word 'drop'"),
        ("GET", "/reset-db", "path word 'reset'"),
        ("GET", "/api/Transfer", "path word 'transfer'"),
        ("GET", "/users%2Fremove", "path word 'remove'"),  # the server decodes %2F
        ("GET", "/%64elete", "path word 'delete'"),
        ("GET", "/drop%20table", "path word 'drop'"),
        ("GET", "/orders?action=cancel", "parameter 'action' says 'cancel'"),
        ("GET", "/items?delete=1", "parameter 'delete' says 'delete'"),
        ("POST", "/search", "method POST"),
        ("DELETE", "/items/1", "method DELETE"),
        ("get", "/dropdown", None),
        ("GET", "/deleted-items", None),
        ("GET", "/paypal-info", None),
        ("GET", "/products?sort=price", None),
        ("HEAD", "/", None),
        ("OPTIONS", "/admin", None),
    ],
)
def test_state_changing_requests(method: str, path: str, reason: str | None) -> None:
    assert state_change_reason(method, BASE + path) == reason


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("/admin/*", "/admin/drop", True),
        ("/admin/*", "/admin/users/1/delete", True),  # `*` crosses `/`
        ("/admin/*", "/administrator", False),
        ("/delete?id=*", "/delete?id=1", True),
        ("/delete", "/delete?id=1", True),  # the path alone
        ("re:^/(log|sign)out$", "/logout", True),
        ("re:^/(log|sign)out$", "/logout-all", False),
        (f"{BASE}/a*", "/about", True),
        ("http://other.test/*", "/about", False),
    ],
)
def test_url_patterns(pattern: str, url: str, matches: bool) -> None:
    assert UrlPattern(pattern).matches(BASE + url) is matches


def test_pattern_lists_split_on_commas_except_regexes() -> None:
    assert split_patterns(["/a,/b", " /c ", "re:^/x{1,2}$"]) == ("/a", "/b", "/c", "re:^/x{1,2}$")


def test_an_invalid_regex_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        SafetyPolicy.build(active=True, exclude=["re:("])


def test_policy_order_exclude_include_mode_methods_allow() -> None:
    policy = SafetyPolicy.build(
        active=True,
        allow_unsafe=["/admin/*"],
        include=["/admin/*", "/login"],
        exclude=["/admin/keep"],
        trusted=[BASE + "/login"],
    )
    assert policy.refusal("GET", BASE + "/admin/keep") == "excluded by --exclude /admin/keep"
    assert policy.refusal("GET", BASE + "/about") == "not matched by any --include pattern"
    assert policy.refusal("POST", BASE + "/admin/drop") is None
    assert policy.refusal("DELETE", BASE + "/admin/x") == (
        "method DELETE is sent only with --allow-methods DELETE"
    )
    assert policy.refusal("POST", BASE + "/login") is None  # the user's own --login-url
    passive = SafetyPolicy.build(active=False, allow_unsafe=["*"])
    assert passive.refusal("POST", BASE + "/x") == (
        "state-changing (method POST); passive mode sends none"
    )


def test_state_changing_forms_never_submit_their_own_values() -> None:
    fields = (
        FormField("csrf_token", "hidden", "tok-1"),
        FormField("kind", "hidden", "full"),
        FormField("path", "text", "/etc/hosts"),
        FormField("amount", "number", "1000"),
    )
    post = Form(BASE + "/", BASE + "/admin/save", "POST", fields)
    assert post.sample_data() == [
        ("csrf_token", "tok-1"),
        ("kind", "nodeward"),
        ("path", "nodeward"),
        ("amount", "1"),
    ]
    search = Form(BASE + "/", BASE + "/search", "GET", (FormField("q", "text", "shoes"),))
    assert search.sample_data() == [("q", "shoes")]  # read-only: its defaults are fine


def _request(n: int) -> Request:
    return Request("GET", f"{BASE}/p{n}")


def test_health_window_names_the_request_before_the_first_failure() -> None:
    monitor = HealthMonitor()
    verdicts = []
    for n in range(1, 40):
        monitor.sent(n, _request(n))
        verdicts.append(monitor.answered(n, _request(n), bad=n > 10 or n == 3))
    first = next(v for v in verdicts if v is not None)
    assert first.culprit == _request(10)
    assert first.culprit_number == 10
    assert verdicts.index(first) + 1 == 26  # 16 of the 20 answers 7..26 were bad


def test_health_window_needs_a_healthy_target_first_and_a_majority() -> None:
    down = HealthMonitor()
    assert all(down.answered(n, _request(n), bad=True) is None for n in range(1, 50))
    flaky = HealthMonitor()
    assert all(flaky.answered(n, _request(n), bad=n % 2 == 0) is None for n in range(1, 200))


def test_coverage_records_input_names_and_shows_hostile_text_encoded() -> None:
    recorder = CoverageRecorder()
    recorder.sent(Request("GET", f"{BASE}/search?q=1&page=2"))
    recorder.sent(
        Request(
            "POST",
            f"{BASE}/api/\u202etxt.exe",
            (("Content-Type", "application/json"),),
            b'{"user": 1, "tags[]": 2}',
        )
    )
    recorder.sent(
        Request(
            "POST",
            f"{BASE}/search",
            (("Content-Type", "application/x-www-form-urlencoded"),),
            b"q=2&name%5B%24ne%5D=1&x%1B=1",
        )
    )
    rows = {row.url: row for row in recorder.build(BASE + "/", "passive", 3, 1.0, None).urls}
    assert rows[f"{BASE}/search"].methods == ("GET", "POST")
    assert rows[f"{BASE}/search"].inputs == ("name", "page", "q", "x%1B")
    assert rows[f"{BASE}/api/%E2%80%AEtxt.exe"].inputs == ("tags", "user")


def test_patterns_judge_the_percent_decoded_path_too() -> None:
    """A server reads /admin%2Fkeep as /admin/keep: --exclude catches either spelling, and
    --include / --allow-unsafe must match both, so an encoded path slips past neither."""
    policy = SafetyPolicy.build(
        active=True, allow_unsafe=["/public/*"], include=["/public/*"], exclude=["/admin/*"]
    )
    assert policy.refusal("GET", BASE + "/admin%2Fkeep") == "excluded by --exclude /admin/*"
    assert policy.refusal("POST", BASE + "/public/form") is None
    # Only the decoded spelling matches: when in doubt, not sent.
    assert policy.refusal("POST", BASE + "/publi%63/form") == (
        "not matched by any --include pattern"
    )
    assert policy.refusal("GET", BASE + "/other%2Fpublic/x") == (
        "not matched by any --include pattern"
    )
