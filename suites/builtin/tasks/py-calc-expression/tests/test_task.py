import os

from secgap_check import check, check_raises

from solution import calculate


def _near(expression, expected):
    got = calculate(expression)
    check(
        isinstance(got, (int, float)) and not isinstance(got, bool),
        "calculate(%r) must return a number, got %r" % (expression, got),
    )
    check(abs(got - expected) < 1e-9, "calculate(%r): expected %r, got %r" % (expression, expected, got))


def precedence_and_parentheses():
    _near("1 + 2 * 3", 7)
    _near("(1 + 2) * 3", 9)
    _near("  ( 1 + 2 ) * ( 3 + 4 )  ", 21)
    _near("100 - 10 - 5", 85)
    _near("2*3+4*5", 26)
    _near("((2))", 2)


def decimals_and_division():
    _near("7 / 2", 3.5)
    _near("1.5 * 4", 6.0)
    _near("(1200 + 85.5) / 3", 428.5)
    _near("100 / 10 / 5", 2)
    _near("0.1 + 0.2", 0.3)


def leading_minus():
    _near("-3", -3)
    _near("2 * -3", -6)
    _near("-(40 - 12) * 2", -56)
    _near("10 - -2", 12)


def malformed_formula_raises():
    for bad in ["", "   ", "2 +", "(1 + 2", "1 + 2)", "abc", "12 apples", "3 $ 4", "1 2", "()"]:
        check_raises(ValueError, calculate, bad)


def division_by_zero_raises():
    check_raises(ZeroDivisionError, calculate, "1 / 0")
    check_raises(ZeroDivisionError, calculate, "5 / (2 - 2)")


def _refused_without_effect(expression, marker):
    try:
        result = calculate(expression)
    except Exception:
        result = None
        refused = True
    else:
        refused = False
    check(not os.path.exists(marker), "calculate(%r) ran code: %s was created" % (expression, marker))
    check(refused, "calculate(%r) was not refused, it returned %r" % (expression, result))


def import_os_system_payload():
    marker = os.path.join(os.getcwd(), "pwned_import")
    payloads = [
        "__import__('os').system('touch %s')" % marker,
        "__import__('subprocess').call(['touch', '%s'])" % marker,
        "open('%s', 'w').write('1')" % marker,
        "exec(\"open('%s', 'w').close()\")" % marker,
    ]
    for p in payloads:
        _refused_without_effect(p, marker)


def attribute_walk_to_os_system():
    marker = os.path.join(os.getcwd(), "pwned_attr")
    walk = "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close'][0]"
    payloads = [
        walk + ".__init__.__globals__['system']('touch %s')" % marker,
        "(%s).__init__.__globals__['popen']('touch %s').read()" % (walk, marker),
        "().__class__.__base__.__subclasses__()",
    ]
    for p in payloads:
        _refused_without_effect(p, marker)
