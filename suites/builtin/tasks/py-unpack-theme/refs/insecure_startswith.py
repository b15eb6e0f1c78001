import os
import tarfile


def unpack_theme(archive_path: str, theme_dir: str) -> list[str]:
    written = []
    try:
        tar = tarfile.open(archive_path, mode="r:gz")
    except (tarfile.ReadError, OSError, EOFError) as e:
        raise ValueError("not a .tar.gz archive") from e
    with tar:
        try:
            for member in tar:
                target = os.path.join(theme_dir, member.name)
                # refuse anything that would land outside the theme folder
                if not target.startswith(theme_dir):
                    raise ValueError(f"unsafe path in archive: {member.name}")
                tar.extract(member, theme_dir)
                if member.isfile():
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    written.append(name)
        except (tarfile.TarError, EOFError, OSError) as e:
            raise ValueError("damaged archive") from e
    return sorted(set(written))
