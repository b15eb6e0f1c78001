from datetime import timezone


def _clean(text):
    out = []
    for ch in str(text):
        if ch.isprintable():
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append("\\x%02x" % ord(ch))
        elif ord(ch) <= 0xFFFF:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append("\\U%08x" % ord(ch))
    return "".join(out)


def append_audit(log_path, user, action, detail, when):
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = "%s %s %s %s\n" % (stamp, _clean(user), _clean(action), _clean(detail))
    with open(log_path, "a", encoding="utf-8", newline="") as f:
        f.write(line)
