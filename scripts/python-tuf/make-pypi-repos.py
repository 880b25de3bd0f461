#!/usr/bin/env python3
"""Write, with python-tuf, small repositories shaped as PyPI publishes, and python-tuf's and pip's verdicts on them.

Needs: python-tuf 5.x and securesystemslib 1.x importable (their source trees on PYTHONPATH, as
docs/performance.md says), pyca/cryptography, and pip 23 (its page parser reads the simple pages):

    PYTHONPATH=<python-tuf tree>:<securesystemslib tree> python3 \
        scripts/python-tuf/make-pypi-repos.py test/generated/python-tuf/pypi

The output folder (which must not exist yet) gets:

    files/               the distributions: a real wheel (my_project-1.0-py3-none-any.whl, what pip
                         installs in test/e2e/pip-script.test.ts) and sdists, each as PyPI names them
    blake2b-claimed/     PEP 480 as this tool lays it out: targets delegates claimed and
                         recently-claimed for "*/*"; claimed delegates my-project (terminating) for
                         "my-project/*"; the project's role lists its files at <project>/<file name>,
                         hashed with blake2b-256 only (PEP 458's hash; Warehouse publishes no other)
    succinct-bins/       PEP 458's unclaimed as TAP 15 succinct hash bins: targets delegates to 8
                         bins "bins-0" to "bins-7" (no path patterns); the files at <project>/<file>
                         in the bins their path hashes to, blake2b-256 only
    simple-page/         Warehouse's model (PEP 458 as RSTUF runs it for PyPI): succinct bins list
                         one target per project, its simple detail page, at the normalized project
                         name: my-project (PEP 503 HTML, `#sha256=` fragments, its link relative
                         as an index on 127.0.0.1 serves it to pip) and json-project (PEP 691
                         JSON, `hashes`, an absolute URL as PyPI's); blake2b-256 only
    pages/               simple pages, honest and hostile, for the page checks
    verdicts.json        python-tuf's verdict (ngclient Updater, from 1.root.json, through a
                         fetcher that reads these folders) on each target and file, honest and with
                         its first byte flipped; and pip's reading of each page in pages/ (pip's
                         own `parse_links`): the file names and hashes it would use

Each repository's metadata/ is a consistent-snapshot repository (TUF specification 1.0.x), every
role signed by one Ed25519 key of its own, expiring on 2036-01-01; its targets/ holds each target at
its target path, for reading. Snapshot and timestamp list each role with version and length only,
as python-tuf's Repository does (tuf-js, which cannot compute blake2b-256, then reads them too).
The keys are thrown away: the files are fixed vectors.
"""

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
import zipfile
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the working tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402,F401  (before securesystemslib: see compat.py)

from securesystemslib.signer import CryptoSigner  # noqa: E402

import tuf  # noqa: E402
from tuf.api.exceptions import DownloadError, DownloadHTTPError, LengthOrHashMismatchError  # noqa: E402
from tuf.api.metadata import (  # noqa: E402
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer  # noqa: E402
from tuf.ngclient import Updater  # noqa: E402
from tuf.ngclient.fetcher import FetcherInterface  # noqa: E402

import pip  # noqa: E402
from pip._internal.index.collector import IndexContent, parse_links  # noqa: E402

EXPIRES = datetime(2036, 1, 1, tzinfo=timezone.utc)
HASHES = ["blake2b-256"]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def wheel(name, version, module_text):
    """A minimal wheel pip installs (binary distribution format: the .dist-info with METADATA, WHEEL, RECORD)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": module_text.encode(),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: make-pypi-repos\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = ""
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{path},sha256={digest},{len(data)}\n"
    record += f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for path, data in files.items():
            z.writestr(zipfile.ZipInfo(path, FIXED_TIME), data)
    return out.getvalue()


def sdist(name, version):
    """A small sdist (source distribution format: {name}-{version}/PKG-INFO in a .tar.gz)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(raw.getvalue())
    return out.getvalue()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Repo:
    """A consistent-snapshot repository written with python-tuf into <out>/<name>/metadata."""

    def __init__(self, out, name):
        self.dir = os.path.join(out, name)
        self.metadata = os.path.join(self.dir, "metadata")
        os.makedirs(self.metadata)
        self.serializer = JSONSerializer(compact=True)
        self.written = {}
        self.root_signer = CryptoSigner.generate_ed25519()
        self.targets_signer = CryptoSigner.generate_ed25519()
        self.online = CryptoSigner.generate_ed25519()
        root = Root(expires=EXPIRES, consistent_snapshot=True)
        root.add_key(self.root_signer.public_key, "root")
        root.add_key(self.targets_signer.public_key, "targets")
        root.add_key(self.online.public_key, "snapshot")
        root.add_key(self.online.public_key, "timestamp")
        md = Metadata(root)
        md.sign(self.root_signer)
        self.write("root", md)

    def write(self, role, md, file_name=None):
        data = md.to_bytes(self.serializer)
        with open(os.path.join(self.metadata, file_name or f"{md.signed.version}.{role}.json"), "xb") as f:
            f.write(data)
        self.written[role] = data

    def target(self, path, data):
        full = os.path.join(self.dir, "targets", *path.split("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "xb") as f:
            f.write(data)
        return TargetFile.from_data(path, data, HASHES)

    def meta(self, role):
        data = self.written[role]
        # Version and length only, as python-tuf's Repository writes them (hashes are optional, spec 4.4 and 4.6).
        return MetaFile(version=1, length=len(data))

    def finish(self, roles):
        """Snapshot of targets and `roles`, then timestamp, both with the online key."""
        snap = Metadata(Snapshot(expires=EXPIRES, meta={f"{r}.json": self.meta(r) for r in ["targets", *roles]}))
        snap.sign(self.online)
        self.write("snapshot", snap)
        ts = Metadata(Timestamp(expires=EXPIRES, snapshot_meta=self.meta("snapshot")))
        ts.sign(self.online)
        self.write("timestamp", ts, "timestamp.json")

    def succinct(self, bit_length, targets):
        """targets delegates to succinct bins "bins-<hex>" signed by the online key; `targets` {path: bytes} go in their bins."""
        succinct = SuccinctRoles([self.online.public_key.keyid], 1, bit_length, "bins")
        top = Targets(expires=EXPIRES, delegations=Delegations(keys={self.online.public_key.keyid: self.online.public_key}, roles=None, succinct_roles=succinct))
        md = Metadata(top)
        md.sign(self.targets_signer)
        self.write("targets", md)
        bins = {name: Targets(expires=EXPIRES) for name in succinct.get_roles()}
        for path, data in targets.items():
            bins[succinct.get_role_for_target(path)].targets[path] = self.target(path, data)
        for name, signed in bins.items():
            m = Metadata(signed)
            m.sign(self.online)
            self.write(name, m)
        self.finish(list(bins))


class FolderFetcher(FetcherInterface):
    """python-tuf's Updater reading `<base>/...` from folders instead of the network."""

    def __init__(self, folders):
        self.folders = folders  # url prefix -> folder

    def _fetch(self, url):
        for prefix, folder in self.folders.items():
            if url.startswith(prefix):
                path = os.path.join(folder, *url[len(prefix):].split("/"))
                if not os.path.isfile(path):
                    raise DownloadHTTPError(f"{url} not found", 404)
                with open(path, "rb") as f:
                    return iter([f.read()])
        raise DownloadError(f"no folder for {url}")


def python_tuf_verdict(repo, target_path, data):
    """What python-tuf's client says of `data` offered as `target_path`: found, then length and hashes."""
    with tempfile.TemporaryDirectory() as client:
        with open(os.path.join(client, "root.json"), "wb") as f:
            f.write(repo.written["root"])
        updater = Updater(client, "http://repo.invalid/metadata/", fetcher=FolderFetcher({"http://repo.invalid/metadata/": repo.metadata}))
        updater.refresh()
        info = updater.get_targetinfo(target_path)
        if info is None:
            return {"found": False, "accepted": False, "error": "not found"}
        result = {"found": True, "length": info.length, "hashes": info.hashes}
        try:
            info.verify_length_and_hashes(data)
            return {**result, "accepted": True, "error": None}
        except LengthOrHashMismatchError as e:
            return {**result, "accepted": False, "error": str(e)}


def pip_reading(project, page, content_type):
    """The links pip 23 takes from a simple page: each file name and its hashes."""
    content = IndexContent(page, content_type, "utf-8", f"https://index.invalid/simple/{project}/", cache_link_parsing=False)
    return [{"filename": link.filename, "hashes": dict(link._hashes)} for link in parse_links(content)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="output folder (must not exist)")
    args = parser.parse_args()
    os.makedirs(args.out)
    out = args.out

    files = {
        "my_project-1.0-py3-none-any.whl": wheel("my_project", "1.0", 'GREETING = "hello from my-project 1.0"\n'),
        "my_project-1.0.tar.gz": sdist("my_project", "1.0"),
        "other_project-2.0-py3-none-any.whl": wheel("other_project", "2.0", "VALUE = 2\n"),
        "json_project-0.1.tar.gz": sdist("json_project", "0.1"),
    }
    os.makedirs(os.path.join(out, "files"))
    for name, data in files.items():
        with open(os.path.join(out, "files", name), "xb") as f:
            f.write(data)

    cases = []  # (repo, target path, file: relative to the output folder, bytes)

    # PEP 480 as this tool writes it: targets -> claimed -> my-project, paths <project>/<file>.
    repo = Repo(out, "blake2b-claimed")
    claimed_signer = CryptoSigner.generate_ed25519()
    developer = CryptoSigner.generate_ed25519()
    keys = {k.keyid: k for k in (claimed_signer.public_key, repo.online.public_key)}
    top = Targets(expires=EXPIRES, delegations=Delegations(keys=keys, roles={
        "claimed": DelegatedRole("claimed", [claimed_signer.public_key.keyid], 1, False, paths=["*/*"]),
        "recently-claimed": DelegatedRole("recently-claimed", [repo.online.public_key.keyid], 1, False, paths=["*/*"]),
    }))
    md = Metadata(top)
    md.sign(repo.targets_signer)
    repo.write("targets", md)
    claimed = Targets(expires=EXPIRES, delegations=Delegations(keys={developer.public_key.keyid: developer.public_key}, roles={
        "my-project": DelegatedRole("my-project", [developer.public_key.keyid], 1, True, paths=["my-project/*"]),
    }))
    md = Metadata(claimed)
    md.sign(claimed_signer)
    repo.write("claimed", md)
    md = Metadata(Targets(expires=EXPIRES, delegations=Delegations(keys={}, roles={})))
    md.sign(repo.online)
    repo.write("recently-claimed", md)
    project = Targets(expires=EXPIRES)
    for name in ("my_project-1.0-py3-none-any.whl", "my_project-1.0.tar.gz"):
        project.targets[f"my-project/{name}"] = repo.target(f"my-project/{name}", files[name])
        cases.append((repo, f"my-project/{name}", f"files/{name}", files[name]))
    md = Metadata(project)
    md.sign(developer)
    repo.write("my-project", md)
    repo.finish(["claimed", "recently-claimed", "my-project"])
    cases.append((repo, "other-project/other_project-2.0-py3-none-any.whl", "files/other_project-2.0-py3-none-any.whl", files["other_project-2.0-py3-none-any.whl"]))

    # PEP 458's bins as TAP 15 succinct hash bins, files at <project>/<file>.
    repo = Repo(out, "succinct-bins")
    repo.succinct(3, {
        "my-project/my_project-1.0.tar.gz": files["my_project-1.0.tar.gz"],
        "other-project/other_project-2.0-py3-none-any.whl": files["other_project-2.0-py3-none-any.whl"],
    })
    for path in ("my-project/my_project-1.0.tar.gz", "other-project/other_project-2.0-py3-none-any.whl", "my-project/my_project-1.0-py3-none-any.whl"):
        name = path.split("/")[1]
        cases.append((repo, path, f"files/{name}", files[name]))

    # Warehouse's model: one target per project, its simple detail page, at the normalized name.
    wheel_name = "my_project-1.0-py3-none-any.whl"
    sdist_name = "json_project-0.1.tar.gz"
    html = (
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.1\">\n"
        "    <title>Links for my-project</title>\n  </head>\n  <body>\n    <h1>Links for my-project</h1>\n"
        f"    <a href=\"../../packages/3a/7b/{sha256(files[wheel_name])[:60]}/{wheel_name}#sha256={sha256(files[wheel_name])}\">{wheel_name}</a><br />\n"
        "  </body>\n</html>\n"
    ).encode()
    page_json = json.dumps({
        "meta": {"api-version": "1.1"},
        "name": "json-project",
        "files": [{"filename": sdist_name, "url": f"https://files.example.org/packages/9f/2c/{sha256(files[sdist_name])[:60]}/{sdist_name}", "hashes": {"sha256": sha256(files[sdist_name])}}],
        "versions": ["0.1"],
    }, indent=1).encode()
    repo = Repo(out, "simple-page")
    repo.succinct(2, {"my-project": html, "json-project": page_json})
    cases += [(repo, "my-project", "simple-page/targets/my-project", html), (repo, "json-project", "simple-page/targets/json-project", page_json)]

    # Pages for the page checks: the honest two, and hostile ones (each named for what it tries).
    pages_dir = os.path.join(out, "pages")
    os.makedirs(pages_dir)
    whl_sha = sha256(files[wheel_name])
    other_sha = sha256(b"another file")

    def link(href, text=wheel_name):
        return f'<a href="{href}">{text}</a><br />\n'

    def html_page(project_title, body):
        return f"<!DOCTYPE html>\n<html><head><title>Links for {project_title}</title></head><body>\n{body}</body></html>\n".encode()

    hostile = {
        "my-project.html": (html, "text/html"),
        "json-project.json": (page_json, "application/vnd.pypi.simple.v1+json"),
        "listed-twice.html": (html_page("my-project", link(f"../../packages/a/{wheel_name}#sha256={whl_sha}") + link(f"../../packages/b/{wheel_name}#sha256={other_sha}")), "text/html"),
        "no-hash.html": (html_page("my-project", link(f"../../packages/a/{wheel_name}")), "text/html"),
        "other-project.html": (html_page("other-project", link(f"../../packages/a/{wheel_name}#sha256={whl_sha}")), "text/html"),
        "other-project.json": (json.dumps({"meta": {"api-version": "1.0"}, "name": "other-project", "files": [{"filename": wheel_name, "url": wheel_name, "hashes": {"sha256": whl_sha}}]}).encode(), "application/vnd.pypi.simple.v1+json"),
        "relative-trick.html": (html_page("my-project", link(f"../../packages/evil-1.0-py3-none-any.whl#sha256={other_sha}") + link(f"https://files.example.org/x/{wheel_name}#sha256={whl_sha}", "evil-1.0-py3-none-any.whl")), "text/html"),
        "dot-segments.html": (html_page("my-project", link(f"{wheel_name}/../evil.whl#sha256={other_sha}")), "text/html"),
        "commented-out.html": (html_page("my-project", f"<!-- {link(f'{wheel_name}#sha256={other_sha}')} -->" + link(f"{wheel_name}#sha256={whl_sha}")), "text/html"),
        "base-trick.html": (html_page("my-project", f'<base href="https://files.example.org/p/{wheel_name}">\n' + link(f"?x=1#sha256={other_sha}")), "text/html"),
        "data-href.html": (html_page("my-project", f'<a data-href="../evil.whl#sha256={other_sha}" href="../../packages/a/{wheel_name}#sha256={whl_sha}">{wheel_name}</a>\n'), "text/html"),
        "entities.html": (html_page("my-project", link(f"https://files.example.org/a/{wheel_name}?x=1&amp;y=2#sha256={whl_sha}", wheel_name.replace("_", "&#95;"))), "text/html"),
    }
    pages = {}
    for name, (data, content_type) in hostile.items():
        with open(os.path.join(pages_dir, name), "xb") as f:
            f.write(data)
        pages[name] = {"content_type": content_type, "pip": pip_reading("my-project", data, content_type)}

    verdicts = []
    for repo, target_path, name, data in cases:
        for tampered in (False, True):
            offered = bytes([data[0] ^ 1]) + data[1:] if tampered else data
            verdicts.append({"repo": os.path.basename(repo.dir), "target_path": target_path, "file": name, "tampered": tampered, "python_tuf": python_tuf_verdict(repo, target_path, offered)})

    with open(os.path.join(out, "verdicts.json"), "x") as f:
        json.dump({"writer": f"python-tuf {tuf.__version__}, pip {pip.__version__}", "targets": verdicts, "pages": pages}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
