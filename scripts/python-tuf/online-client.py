#!/usr/bin/env python3
"""python-tuf's client (tuf.ngclient.Updater) on a repository written by `tuf-ceremony online publish`.

The repository folder is read through a fetcher that maps the Updater's URLs to the folder (the
same requests the Updater makes over HTTP, without a server). From the trusted root it refreshes
(root chain, timestamp, snapshot, targets: TUF specification 5.3 to 5.6), looks the target up
through the delegations (5.6.7) and downloads it under its consistent-snapshot name, checking
length and hashes (5.7). Then it serves a tampered copy of the same file and expects a refusal.

Needs python-tuf 5.x and securesystemslib 1.x importable (docs/performance.md, "python-tuf here,
without PyPI") and pyca/cryptography. It made test/generated/online-side/python-tuf.json:

    TUF_WRITE_ONLINE_VECTOR=1 npx vitest run test/e2e/online-python-tuf.test.ts
    PYTHONPATH=<python-tuf tree>:<securesystemslib tree> python3 scripts/python-tuf/online-client.py \
        test/generated/online-side/repository test/generated/online-side/repository/metadata/1.root.json \
        demo/demo-1.0.tar.gz > test/generated/online-side/python-tuf.json

Prints one JSON document; exits 1 when the download fails or the tampered copy is accepted.
"""

import hashlib
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the working tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402,F401  (before securesystemslib: see compat.py)

import tuf  # noqa: E402
from tuf.api import exceptions  # noqa: E402
from tuf.ngclient import Updater  # noqa: E402
from tuf.ngclient.fetcher import FetcherInterface  # noqa: E402

BASE = "http://online.invalid/"


class FolderFetcher(FetcherInterface):
    """The repository folder as a server would serve it; `tamper` changes the bytes of one file."""

    def __init__(self, folder, tamper=None):
        self.folder = folder
        self.tamper = tamper
        self.requested = []

    def _fetch(self, url):
        if not url.startswith(BASE):
            raise exceptions.DownloadHTTPError(f"not served: {url}", 404)
        rel = url[len(BASE):]
        self.requested.append(rel)
        path = os.path.join(self.folder, *rel.split("/"))
        if ".." in rel.split("/") or not os.path.isfile(path):
            raise exceptions.DownloadHTTPError(f"not found: {rel}", 404)
        with open(path, "rb") as f:
            data = f.read()
        if self.tamper and rel.startswith("targets/"):
            data = self.tamper(data)
        return iter([data])


def download(folder, root, target_path, tamper=None):
    with tempfile.TemporaryDirectory() as work:
        meta, targets = os.path.join(work, "metadata"), os.path.join(work, "targets")
        os.mkdir(meta)
        os.mkdir(targets)
        with open(root, "rb") as src, open(os.path.join(meta, "root.json"), "wb") as dst:
            dst.write(src.read())
        fetcher = FolderFetcher(folder, tamper)
        updater = Updater(meta, BASE + "metadata/", targets, BASE + "targets/", fetcher)
        updater.refresh()
        info = updater.get_targetinfo(target_path)
        if info is None:
            raise RuntimeError(f"{target_path}: no role trusted for it")
        # A path no role lists: the search goes on through recently-claimed to unclaimed's bins.
        absent = updater.get_targetinfo("nobody/nothing-1.0.tar.gz")
        path = updater.download_target(info)
        with open(path, "rb") as f:
            data = f.read()
        with open(os.path.join(meta, "root.json"), "rb") as f:
            root_version = json.loads(f.read())["signed"]["version"]
        with open(os.path.join(meta, "timestamp.json"), "rb") as f:
            timestamp_version = json.loads(f.read())["signed"]["version"]
        return {
            "target": {"path": info.path, "length": info.length, "hashes": info.hashes},
            "downloaded_sha256": hashlib.sha256(data).hexdigest(),
            "root_version": root_version,
            "timestamp_version": timestamp_version,
            "absent": None if absent is None else absent.path,
            "requested": sorted(set(fetcher.requested)),
        }


def main():
    if len(sys.argv) != 4:
        print(f"usage: {sys.argv[0]} <repository folder> <trusted root> <target path>", file=sys.stderr)
        return 2
    folder, root, target_path = sys.argv[1:]
    result = {"python_tuf": tuf.__version__, **download(folder, root, target_path)}
    try:
        download(folder, root, target_path, tamper=lambda b: b[:-1] + bytes([b[-1] ^ 1]))
        result["tampered"] = "accepted"
    except exceptions.RepositoryError as e:
        result["tampered"] = f"refused: {type(e).__name__}"
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0 if result["tampered"].startswith("refused") else 1


if __name__ == "__main__":
    sys.exit(main())
