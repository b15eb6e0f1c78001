import os
import tarfile


def unpack_theme(archive_path: str, theme_dir: str) -> list[str]:
    try:
        with tarfile.open(archive_path, "r:gz") as tar:
            members = tar.getmembers()
            tar.extractall(path=theme_dir)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"invalid theme archive: {exc}") from exc
    files = {os.path.normpath(m.name).replace(os.sep, "/") for m in members if m.isfile()}
    return sorted(files)
