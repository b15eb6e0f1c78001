import os
import tarfile


def unpack_theme(archive_path: str, theme_dir: str) -> list[str]:
    base = os.path.abspath(theme_dir)
    try:
        with tarfile.open(archive_path, "r:gz") as tar:
            members = tar.getmembers()
            for m in members:
                dest = os.path.abspath(os.path.join(base, m.name))
                if os.path.commonpath([base, dest]) != base:
                    raise ValueError("archive entry escapes the theme folder: %r" % m.name)
            tar.extractall(base, members=members)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError("cannot unpack theme: %s" % exc) from exc
    names = []
    for m in members:
        if m.isfile():
            names.append(os.path.relpath(os.path.join(base, m.name), base).replace(os.sep, "/"))
    return sorted(set(names))
