#!/usr/bin/env python3
"""python-tuf's client-side verification of a repository folder, timed: the python-tuf figure
beside `tuf-ceremony verify` in docs/performance.md ("Commands at PyPI's size").

Needs: python-tuf 5.x and securesystemslib 1.x importable, and pyca/cryptography (Debian 12's
python3-cryptography 38 works, see compat.py). Run on a folder written by make-claimed-repo.py:

    PYTHONPATH=<python-tuf tree>:<securesystemslib tree> python3 \
        scripts/python-tuf/verify-repo.py /tmp/claimed-100k/metadata

Uses what python-tuf's Updater uses to check metadata, `TrustedMetadataSet`
(tuf/ngclient/_internal/trusted_metadata_set.py), reading from the folder instead of the network,
in the client order of the TUF specification (5.3 to 5.6): the root chain from 1.root.json, then
timestamp, snapshot, targets, and every targets-type role snapshot lists, each against the role
that delegates it (claimed and recently-claimed by targets, a project role by the first of them
that delegates it). Prints one JSON line: seconds (from the first file read to the last role
verified), import_seconds (loading python-tuf), peak_rss_mb (getrusage, the whole process).
Exits 1 with the error when anything fails to verify.
"""

import json
import os
import resource
import sys
import time

START = time.monotonic()
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the working tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402,F401  (before securesystemslib: see compat.py)

from tuf.ngclient._internal.trusted_metadata_set import TrustedMetadataSet  # noqa: E402
from tuf.ngclient.config import EnvelopeType  # noqa: E402

IMPORTED = time.monotonic()


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} <metadata folder>", file=sys.stderr)
        return 2
    folder = sys.argv[1]

    def read(name):
        with open(os.path.join(folder, name), "rb") as f:
            return f.read()

    begin = time.monotonic()
    trusted = TrustedMetadataSet(read("1.root.json"), EnvelopeType.METADATA)
    # Root chain (spec 5.3): each N+1.root.json present, verified by the previous root and itself.
    while os.path.exists(os.path.join(folder, f"{trusted.root.version + 1}.root.json")):
        trusted.update_root(read(f"{trusted.root.version + 1}.root.json"))
    timestamp = trusted.update_timestamp(read("timestamp.json"))
    snapshot = trusted.update_snapshot(read(f"{timestamp.snapshot_meta.version}.snapshot.json"))
    trusted.update_targets(read(f"{snapshot.meta['targets.json'].version}.targets.json"))

    # Delegated roles, breadth first from targets, each verified against its delegator.
    verified = ["targets"]
    queue = ["targets"]
    while queue:
        delegator = queue.pop(0)
        delegations = trusted[delegator].delegations
        if delegations is None or delegations.roles is None:
            continue
        for role in delegations.roles:
            if role in verified or f"{role}.json" not in snapshot.meta:
                continue  # not published (a project role not signed yet) or already reached
            version = snapshot.meta[f"{role}.json"].version
            trusted.update_delegated_targets(read(f"{version}.{role}.json"), role, delegator)
            verified.append(role)
            queue.append(role)
    unreached = [m for m in snapshot.meta if m[: -len(".json")] not in verified]
    if unreached:
        raise RuntimeError(f"snapshot lists roles no verified role delegates: {unreached[:5]}")
    seconds = time.monotonic() - begin
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"ok": True, "roles": verified, "seconds": round(seconds, 3), "import_seconds": round(IMPORTED - START, 3), "peak_rss_mb": round(peak)}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # noqa: BLE001  (any failure is a verification failure here)
        print(f"verify-repo: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
