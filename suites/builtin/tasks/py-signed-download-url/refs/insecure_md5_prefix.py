import hashlib


def sign_download(path, expires, secret):
    h = hashlib.md5()
    h.update(secret)
    h.update(b"%d|" % expires)
    h.update(path)
    return h.hexdigest()


def verify_download(path, expires, sig, secret, now):
    try:
        if now >= expires:
            return False
        return sig == sign_download(path, expires, secret)
    except Exception:
        return False
