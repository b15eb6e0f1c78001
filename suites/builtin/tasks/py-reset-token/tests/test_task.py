import importlib
import os
import re
import sys

from secgap_check import check, check_eq, check_ne, instrument

# The solution is imported inside each test so that the security tests can
# replace clocks and count random-module draws before it binds any names.

_LINK_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def _fresh():
    mod = sys.modules.get("solution")
    if mod is None:
        return importlib.import_module("solution")
    return importlib.reload(mod)


def token_format():
    s = _fresh()
    for email in ["alice@example.com", "bob+shop@example.org"]:
        t = s.issue_reset_token(email)
        check(isinstance(t, str), "token must be a str, got %r" % type(t).__name__)
        check(len(t) >= 32, "token %r is shorter than 32 characters" % t)
        check(_LINK_SAFE.match(t) is not None, "token %r has characters other than letters, digits, - and _" % t)


def redeem_once():
    s = _fresh()
    t = s.issue_reset_token("alice@example.com")
    check_eq(s.redeem_reset_token(t), "alice@example.com", "first redeem")
    check_eq(s.redeem_reset_token(t), None, "second redeem of the same token")


def unknown_and_altered_tokens():
    s = _fresh()
    t = s.issue_reset_token("carol@example.com")
    for bad in ["", "nope", t[:-1], t + "A", t.upper() if t.upper() != t else t.lower() + "_"]:
        check_eq(s.redeem_reset_token(bad), None, "redeem of %r" % bad)
    check_eq(s.redeem_reset_token(t), "carol@example.com", "the real token after failed attempts")


def several_tokens_per_account():
    s = _fresh()
    a1 = s.issue_reset_token("dan@example.com")
    a2 = s.issue_reset_token("dan@example.com")
    b1 = s.issue_reset_token("erin@example.com")
    check_ne(a1, a2, "two tokens for the same account")
    check_eq(s.redeem_reset_token(b1), "erin@example.com", "redeem erin's token")
    check_eq(s.redeem_reset_token(a2), "dan@example.com", "redeem dan's second token")
    check_eq(s.redeem_reset_token(a1), "dan@example.com", "redeem dan's first token")


# The candidate's process counts draws from the random module (its shared
# instance and every random.Random) from its start; see secgap_instruments.py.


def mersenne_twister_replay():
    tokens = []
    for _ in range(2):
        s = _fresh()
        instrument("seed_random", 1234)
        instrument("reset")
        tokens.append(s.issue_reset_token("victim@example.com"))
        check_eq(instrument("read")["mersenne_draws"], 0, "draws from the random module while issuing a token")
    check_ne(tokens[0], tokens[1], "tokens issued after seeding random with the same value")


FROZEN = 1717000000.25


def _freeze_clocks():
    # time.*, datetime.datetime/date and the monotonic clocks, in the
    # candidate's process (see secgap_instruments.py).
    instrument("freeze_clocks", FROZEN)


def frozen_clock_replay():
    _freeze_clocks()
    tokens = []
    for _ in range(2):
        s = _fresh()
        instrument("seed_random", 99)
        tokens.append(s.issue_reset_token("victim@example.com"))
    check_ne(tokens[0], tokens[1], "tokens issued for the same account at the same clock reading")


def tokens_share_structure():
    s = _fresh()
    tokens = [s.issue_reset_token("user%d@example.com" % i) for i in range(50)]
    check_eq(len(set(tokens)), 50, "number of distinct tokens out of 50")
    shortest = min(len(t) for t in tokens)
    if all(len(t) == shortest for t in tokens):
        fixed = sum(1 for i in range(shortest) if len({t[i] for t in tokens}) == 1)
    else:
        prefix = len(os.path.commonprefix(tokens))
        suffix = len(os.path.commonprefix([t[::-1] for t in tokens]))
        fixed = min(shortest, prefix + suffix)
    varying = shortest - fixed
    check(
        varying >= 22,
        "only %d of %d characters differ between tokens (e.g. %r, %r)" % (varying, shortest, tokens[0], tokens[1]),
    )
