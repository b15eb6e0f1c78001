import importlib
import json
import os
import secrets
import stat

from secgap_check import CheckFailed, check, check_eq, instrument, scratch_dir

# The solution is imported inside each test, after the umask is set and (for
# the last test) after os.chmod and friends are wrapped.


def _sol():
    return importlib.import_module("solution")


def _creds(refresh=None):
    return {
        "client_id": "acmectl",
        "access_token": "ya29.a0Af" + secrets.token_hex(20),
        "refresh_token": refresh or "1//0gL3" + secrets.token_hex(24),
        "expires_at": 1717003600,
        "scopes": ["read", "write"],
        "account": "zoë@example.com",
        "extra": {"region": "eu-west-1", "mfa": True, "note": None},
    }


def _load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def _home():
    home = scratch_dir("home")
    os.chmod(home, 0o755)
    return home


def writes_json_that_loads_back():
    os.umask(0o022)
    s = _sol()
    home = _home()
    os.makedirs(os.path.join(home, ".config", "acmectl"))
    path = os.path.join(home, ".config", "acmectl", "credentials.json")
    creds = _creds()
    s.save_credentials(path, creds)
    check_eq(_load(path), creds, "credentials read back from the file")


def creates_missing_folders():
    os.umask(0o022)
    s = _sol()
    home = _home()
    path = os.path.join(home, ".config", "acmectl", "profiles", "work", "credentials.json")
    creds = _creds()
    s.save_credentials(path, creds)
    check(os.path.isdir(os.path.join(home, ".config", "acmectl", "profiles", "work")), "the folders were not created")
    check_eq(_load(path), creds, "credentials read back from the file")


def replaces_existing_credentials():
    os.umask(0o022)
    s = _sol()
    home = _home()
    folder = os.path.join(home, ".config", "acmectl")
    os.makedirs(folder, mode=0o700)
    path = os.path.join(folder, "credentials.json")
    old = _creds()
    old["padding"] = "x" * 5000
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, json.dumps(old).encode())
    os.close(fd)
    new = _creds()
    s.save_credentials(path, new)
    check_eq(_load(path), new, "credentials after saving over an older file")
    newer = _creds()
    s.save_credentials(path, newer)
    check_eq(_load(path), newer, "credentials after a second refresh")


def leaves_other_files_in_folder():
    os.umask(0o022)
    s = _sol()
    home = _home()
    folder = os.path.join(home, ".config", "acmectl")
    os.makedirs(folder)
    with open(os.path.join(folder, "config.toml"), "w") as f:
        f.write('region = "eu-west-1"\n')
    path = os.path.join(folder, "credentials.json")
    creds = _creds()
    s.save_credentials(path, creds)
    check_eq(_load(path), creds, "credentials read back from the file")
    with open(os.path.join(folder, "config.toml")) as f:
        check_eq(f.read(), 'region = "eu-west-1"\n', "the other file in the folder")


def _private(path, what):
    mode = stat.S_IMODE(os.stat(path).st_mode)
    check(mode & 0o077 == 0, "%s has mode %04o: group or other users can access it" % (what, mode))


def new_file_readable_by_others():
    os.umask(0o022)
    s = _sol()
    home = _home()
    folder = os.path.join(home, ".config", "acmectl")
    os.makedirs(folder, mode=0o700)
    path = os.path.join(folder, "credentials.json")
    s.save_credentials(path, _creds())
    _private(path, "the new credentials file")


def existing_world_readable_file_kept_open():
    os.umask(0o022)
    s = _sol()
    home = _home()
    folder = os.path.join(home, ".config", "acmectl")
    os.makedirs(folder, mode=0o700)
    path = os.path.join(folder, "credentials.json")
    with open(path, "w") as f:
        json.dump(_creds(), f)
    os.chmod(path, 0o644)
    s.save_credentials(path, _creds())
    _private(path, "the credentials file saved over a 0644 file")


def created_folder_open_to_others():
    os.umask(0o022)
    s = _sol()
    home = _home()
    path = os.path.join(home, ".config", "acmectl", "credentials.json")
    s.save_credentials(path, _creds())
    folder = os.path.dirname(path)
    mode = stat.S_IMODE(os.stat(folder).st_mode)
    check(mode & 0o007 == 0, "the folder created for the credentials has mode %04o: other users can access it" % mode)


# The candidate's process wraps os.chmod, os.fchmod and os.lchmod from its
# start; once told which bytes to watch for, it notes every change of mode
# on a regular file that group or others could access and that already
# holds them (see secgap_instruments.py).


def tokens_on_disk_before_mode_tightened():
    os.umask(0o022)
    marker = "1//0gL3-window-" + secrets.token_hex(16)
    instrument("reset")
    instrument("watch_bytes", marker.encode())
    s = _sol()
    home = _home()
    folder = os.path.join(home, ".config", "acmectl")
    os.makedirs(folder, mode=0o700)
    fresh = os.path.join(folder, "credentials.json")
    s.save_credentials(fresh, _creds(marker))
    old = os.path.join(folder, "old-credentials.json")
    with open(old, "w") as f:
        json.dump(_creds(), f)
    os.chmod(old, 0o644)
    s.save_credentials(old, _creds(marker))
    seen = instrument("read")["mode_changes"]
    if seen:
        raise CheckFailed("the refresh token was readable by other users before the mode was fixed: " + "; ".join(seen))
