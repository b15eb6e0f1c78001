import os
import shutil
import tarfile
import zlib


def _parts(name):
    if name.startswith("/") or "\\" in name or "\x00" in name:
        raise ValueError("unsafe entry name %r" % name)
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ValueError("unsafe entry name %r" % name)
    return parts


def _inside(base, path):
    return os.path.commonpath([base, os.path.realpath(path)]) == base


def unpack_theme(archive_path: str, theme_dir: str) -> list[str]:
    base = os.path.realpath(theme_dir)
    written = set()
    try:
        with tarfile.open(archive_path, mode="r:gz") as tar:
            for member in tar:
                parts = _parts(member.name)
                if not parts:
                    continue
                target = os.path.join(base, *parts)
                if member.isdir():
                    os.makedirs(target, exist_ok=True)
                    if not _inside(base, target):
                        raise ValueError("entry %r escapes the theme folder" % member.name)
                    continue
                if not member.isfile():
                    continue  # links, devices and fifos are not part of a theme
                parent = os.path.dirname(target)
                os.makedirs(parent, exist_ok=True)
                if not _inside(base, parent):
                    raise ValueError("entry %r escapes the theme folder" % member.name)
                if os.path.islink(target):
                    raise ValueError("entry %r replaces a link" % member.name)
                source = tar.extractfile(member)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
                with source, os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(source, out)
                written.add("/".join(parts))
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise ValueError("not a valid theme archive") from exc
    except OSError as exc:
        raise ValueError("could not unpack the theme: %s" % exc) from exc
    return sorted(written)
