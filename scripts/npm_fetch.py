"""Install the front-end packages of package-lock.json without Node.js.

`make` runs `npm ci` when npm is installed. A fresh Debian machine with only Python has no npm,
so this fetches the same tarballs from the npm registry, checks each against the lock file's
sha512 integrity and unpacks it into node_modules/: the same files npm would put there.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
ROOT = Path(__file__).resolve().parent.parent


def tarball_url(name: str, version: str) -> str:
    # Scoped packages (@scope/name) keep the scope in the path but not in the file name.
    return f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def verify(data: bytes, integrity: str, name: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise SystemExit(f"{name}: unsupported integrity algorithm {algorithm!r} in package-lock.json")
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{name}: the downloaded tarball does not match package-lock.json's integrity")


def unpack(data: bytes, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            # npm tarballs hold everything under one top folder ("package/"); drop it.
            parts = Path(member.name).parts[1:]
            if not parts or ".." in parts or not (member.isfile() or member.isdir()):
                continue
            member.name = str(Path(*parts))
            # Debian 12's Python 3.11.2 predates extraction filters; the checks above do their job there.
            if hasattr(tarfile, "data_filter"):
                archive.extract(member, target, filter="data")
            else:
                archive.extract(member, target)


def main() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for key, entry in lock["packages"].items():
        if not key.startswith("node_modules/"):
            continue
        name = key.removeprefix("node_modules/")
        url = entry.get("resolved") or tarball_url(name, entry["version"])
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the https registry only
            data = response.read()
        verify(data, entry["integrity"], name)
        unpack(data, ROOT / key)
        print(f"{name}@{entry['version']}")


if __name__ == "__main__":
    sys.exit(main())
