#!/usr/bin/env python3
"""Re-fetch the pinned front-end packages from the npm registry into static/vendor/ (no CDN, ever).

Each tarball is checked against its pinned sha512 integrity before anything is written; all are
downloaded and verified first, then the folder is replaced, so a failure leaves the old files in place.

    python scripts/vendor_static.py          # fetch, verify, rewrite static/vendor/
    python scripts/vendor_static.py --check  # verify that static/vendor/ equals the pinned packages
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"

# name in the registry, version, npm dist.integrity, folder under static/vendor, {file in package: file served}
PACKAGES: list[tuple[str, str, str, str, dict[str, str]]] = [
    (
        "bootstrap",
        "5.3.9",
        "sha512-20cU0rcfw8WdxtVbmfU+xT2EjvVTw9Ror/h1Qvd7DXCujRg8OO9mdBCsmTHdJFf3BuadmBNJtgIuUXsBqSkk/w==",
        "bootstrap",
        {
            "dist/css/bootstrap.min.css": "bootstrap.min.css",
            "dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
            "LICENSE": "LICENSE",
        },
    ),
    (
        "bootstrap-icons",
        "1.13.2",
        "sha512-fAU1Ly3dH7hwRg+CB8EZ0Vl0fF80zgXHeUVJyfUOKzoURr+TbwISbCW5tKUoQLERaWYG2emTCybcPbD96hdD1A==",
        "bootstrap-icons",
        {
            "font/bootstrap-icons.min.css": "bootstrap-icons.min.css",
            "font/fonts/bootstrap-icons.woff2": "fonts/bootstrap-icons.woff2",
            "font/fonts/bootstrap-icons.woff": "fonts/bootstrap-icons.woff",
            "LICENSE": "LICENSE",
        },
    ),
    (
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "htmx",
        {"dist/htmx.min.js": "htmx.min.js", "LICENSE": "LICENSE"},
    ),
    (
        "echarts",
        "6.1.0",
        "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
        "echarts",
        {"dist/echarts.min.js": "echarts.min.js", "LICENSE": "LICENSE"},
    ),
    (
        "sortablejs",
        "1.15.7",
        "sha512-Kk8wLQPlS+yi1ZEf48a4+fzHa4yxjC30M/Sr2AnQu+f/MPwvvX9XjZ6OWejiz8crBsLwSq8GHqaxaET7u6ux0A==",
        "sortablejs",
        {"Sortable.min.js": "Sortable.min.js", "LICENSE": "LICENSE"},
    ),
]


def fetch(name: str, version: str, integrity: str) -> bytes:
    basename = name.rsplit("/", 1)[-1]
    url = f"{REGISTRY}/{name}/-/{basename}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https registry URL
        data = response.read()
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{name}@{version}: integrity mismatch (expected {integrity}, got {algorithm}-{actual})")
    return data


def extract(tarball: bytes, files: dict[str, str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if m.isfile() and "/" in m.name}
        for source, target in files.items():
            member = members.get(source)
            if member is None:
                raise SystemExit(f"{source} is not in the package")
            handle = tar.extractfile(member)
            assert handle is not None
            out[target] = handle.read()
    return out


def build() -> tuple[dict[str, bytes], list[dict[str, object]]]:
    """Every served file (path under static/vendor → bytes), and the record of versions."""
    files: dict[str, bytes] = {}
    versions: list[dict[str, object]] = []
    for name, version, integrity, folder, wanted in PACKAGES:
        for target, content in extract(fetch(name, version, integrity), wanted).items():
            files[f"{folder}/{target}"] = content
        versions.append(
            {
                "name": name,
                "version": version,
                "integrity": integrity,
                "folder": folder,
                "files": sorted(wanted.values()),
            }
        )
    files["VERSIONS.json"] = (json.dumps(versions, indent=2) + "\n").encode()
    return files, versions


def on_disk() -> dict[str, bytes]:
    if not VENDOR.exists():
        return {}
    return {p.relative_to(VENDOR).as_posix(): p.read_bytes() for p in VENDOR.rglob("*") if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare static/vendor/ with the pinned packages")
    args = parser.parse_args()
    wanted, versions = build()
    if args.check:
        current = on_disk()
        problems = sorted(
            [f"missing: {p}" for p in wanted.keys() - current.keys()]
            + [f"not pinned: {p}" for p in current.keys() - wanted.keys()]
            + [f"differs: {p}" for p in wanted.keys() & current.keys() if wanted[p] != current[p]]
        )
        for problem in problems:
            print(problem)
        print("static/vendor/ matches the pinned packages" if not problems else f"{len(problems)} differences")
        return 1 if problems else 0
    with tempfile.TemporaryDirectory(dir=VENDOR.parent) as staging:
        root = Path(staging) / "vendor"
        for path, content in wanted.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        root.rename(VENDOR)
    for entry in versions:
        print(f"{entry['name']}@{entry['version']} → static/vendor/{entry['folder']}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
