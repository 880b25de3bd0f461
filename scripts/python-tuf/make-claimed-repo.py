#!/usr/bin/env python3
"""Write, with python-tuf, a complete PEP 480 repository whose claimed role delegates N projects.

Needs: python-tuf 5.x (tuf.api.metadata) and securesystemslib 1.x importable, and pyca/cryptography
(Debian 12's python3-cryptography 38 works, see compat.py). Without PyPI, put their source trees on
PYTHONPATH (docs/performance.md, "Commands at PyPI's size", says how):

    PYTHONPATH=<python-tuf tree>:<securesystemslib tree> python3 \
        scripts/python-tuf/make-claimed-repo.py 100000 /tmp/claimed-100k

The output folder (which must not exist yet) gets:

    metadata/            a consistent-snapshot repository (TUF specification 1.0.x, 4.4 and 5):
      1.root.json          root: 2 of 2 ECDSA P-256 keys; targets: 1 ECDSA key;
                           snapshot and timestamp: one online Ed25519 key
      1.targets.json       delegates "claimed" (2 of 2 ECDSA admin keys), then "recently-claimed"
                           (the online key), both for paths "*", not terminating (PEP 480)
      1.claimed.json       N delegations, one per project in name order: its own Ed25519 key,
                           threshold 1, terminating, paths [the project's name] (PEP 480: a missing
                           target cannot fall through to the online roles)
      1.recently-claimed.json  signed by the online key, delegating nothing yet
      1.<project>.json     the last project's own role, signed by its developer key, listing one
                           target: the project's simple page (Warehouse's target path is the
                           normalized project name, PEP 458)
      1.snapshot.json      lists every targets-type role above with version, length and sha256
      timestamp.json       lists the snapshot with version, length and sha256
    download/<project>   the bytes of that target, for `tuf-ceremony verify-download`
    developer-key.json   the project's public key (a TUF key object), for `tuf-ceremony dev check`
    fixture.json         what was written: count, project, writer and version; written last, so its
                         presence says the folder is complete

Files are written compact (python-tuf `JSONSerializer(compact=True)`: sorted keys, no whitespace),
which for ASCII content is the canonical form that is signed; --indent writes them indented
(`JSONSerializer()`, indent 1) instead. Every role expires on 2036-01-01.
"""

import argparse
import hashlib
import json
import os
import resource
import sys
import time
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the working tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402,F401  (before securesystemslib: see compat.py)

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from securesystemslib.signer import CryptoSigner, SSlibKey  # noqa: E402

import tuf  # noqa: E402
from tuf.api.metadata import (  # noqa: E402
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer  # noqa: E402

EXPIRES = datetime(2036, 1, 1, tzinfo=timezone.utc)
START = time.monotonic()


def log(text):
    print(f"[{time.monotonic() - START:7.1f} s] {text}", file=sys.stderr, flush=True)


def project_name(i):
    """Names as long as a typical PyPI project name (15 characters); the bench uses the same."""
    return f"project-{i:07d}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of projects delegated by claimed")
    parser.add_argument("out", help="output folder (must not exist)")
    parser.add_argument("--indent", action="store_true", help="write indented JSON, not compact")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("count must be at least 1")
    os.makedirs(args.out)  # refuses an existing folder
    metadata_dir = os.path.join(args.out, "metadata")
    os.makedirs(metadata_dir)
    serializer = JSONSerializer(compact=not args.indent)

    written = {}  # role name -> bytes, for snapshot's and timestamp's length and hashes

    def write(role, md, file_name=None):
        data = md.to_bytes(serializer)
        name = file_name or f"{md.signed.version}.{role}.json"
        with open(os.path.join(metadata_dir, name), "xb") as f:
            f.write(data)
        written[role] = data
        log(f"wrote {name}: {len(data) / 1e6:.1f} MB")
        return data

    def meta_file(role):
        data = written[role]
        return MetaFile(version=1, length=len(data), hashes={"sha256": hashlib.sha256(data).hexdigest()})

    root_signers = [CryptoSigner.generate_ecdsa() for _ in range(2)]
    targets_signer = CryptoSigner.generate_ecdsa()
    claimed_signers = [CryptoSigner.generate_ecdsa() for _ in range(2)]
    online = CryptoSigner.generate_ed25519()

    root = Root(expires=EXPIRES, consistent_snapshot=True)
    for s in root_signers:
        root.add_key(s.public_key, "root")
    root.add_key(targets_signer.public_key, "targets")
    root.add_key(online.public_key, "snapshot")
    root.add_key(online.public_key, "timestamp")
    root.roles["root"].threshold = 2
    root_md = Metadata(root)
    for s in root_signers:
        root_md.sign(s, append=True)
    write("root", root_md)

    targets = Targets(expires=EXPIRES)
    targets.delegations = Delegations(
        keys={s.public_key.keyid: s.public_key for s in claimed_signers + [online]},
        roles={
            "claimed": DelegatedRole("claimed", [s.public_key.keyid for s in claimed_signers], 2, False, paths=["*"]),
            "recently-claimed": DelegatedRole("recently-claimed", [online.public_key.keyid], 1, False, paths=["*"]),
        },
    )
    targets_md = Metadata(targets)
    targets_md.sign(targets_signer)
    write("targets", targets_md)

    # One distinct Ed25519 key per project. Only the last project's private key is kept: it signs
    # that project's role below.
    log(f"making {args.count} Ed25519 keys")
    keys = {}
    roles = {}
    project = project_name(args.count - 1)
    developer = None
    for i in range(args.count):
        name = project_name(i)
        private = Ed25519PrivateKey.generate()
        key = SSlibKey.from_crypto(private.public_key())
        if name == project:
            developer = CryptoSigner(private, key)
        keys[key.keyid] = key
        roles[name] = DelegatedRole(name, [key.keyid], 1, True, paths=[name])
        if (i + 1) % 100_000 == 0:
            log(f"  {i + 1} keys")
    claimed = Targets(expires=EXPIRES, delegations=Delegations(keys=keys, roles=roles))
    del keys, roles
    claimed_md = Metadata(claimed)
    log("signing claimed (canonical JSON of securesystemslib)")
    for s in claimed_signers:
        claimed_md.sign(s, append=True)
    write("claimed", claimed_md)
    del claimed_md, claimed

    recent_md = Metadata(Targets(expires=EXPIRES, delegations=Delegations(keys={}, roles={})))
    recent_md.sign(online)
    write("recently-claimed", recent_md)

    page = f'<!DOCTYPE html>\n<html><body><h1>Links for {project}</h1></body></html>\n'.encode()
    project_md = Metadata(Targets(expires=EXPIRES, targets={project: TargetFile.from_data(project, page, ["sha256"])}))
    project_md.sign(developer)
    write(project, project_md)

    snapshot = Snapshot(expires=EXPIRES, meta={f"{role}.json": meta_file(role) for role in ("targets", "claimed", "recently-claimed", project)})
    snapshot_md = Metadata(snapshot)
    snapshot_md.sign(online)
    write("snapshot", snapshot_md)

    timestamp_md = Metadata(Timestamp(expires=EXPIRES, snapshot_meta=meta_file("snapshot")))
    timestamp_md.sign(online)
    write("timestamp", timestamp_md, "timestamp.json")

    os.makedirs(os.path.join(args.out, "download"))
    with open(os.path.join(args.out, "download", project), "xb") as f:
        f.write(page)
    with open(os.path.join(args.out, "developer-key.json"), "x") as f:
        json.dump(developer.public_key.to_dict(), f, indent=1)
    with open(os.path.join(args.out, "fixture.json"), "x") as f:
        json.dump({"count": args.count, "project": project, "writer": f"python-tuf {tuf.__version__}", "indent": args.indent}, f, indent=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"done: {args.out} (peak RSS {peak:.0f} MB)")


if __name__ == "__main__":
    main()
