#!/usr/bin/env python3
"""Digest vectors, computed by Python's hashlib (the library securesystemslib hashes with).

Regenerate (Python 3, standard library only), from the repository root:

    python3 scripts/vectors/hashes.py

It writes test/generated/hashes.json, read by test/tuf/model/blake2b.test.ts. For each input: sha256,
sha512, blake2b(digest_size=32), which is securesystemslib's "blake2b-256" and PEP 458's hash for
PyPI, and blake2b(digest_size=64), to show that blake2b-256 is not BLAKE2b-512 cut short (the
output length is a parameter of BLAKE2b, so the two differ from the first byte).
"""
import hashlib
import json
import os
import platform

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

INPUTS = [
    ("empty", b""),
    ("abc", b"abc"),
    ("hello", b"hello"),
    ("bytes 0 to 255", bytes(range(256))),
    ("1000 times 'a'", b"a" * 1000),
]
FILES = ["pep480-repo/target-requests.html"]


def digests(data):
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "sha512": hashlib.sha512(data).hexdigest(),
        "blake2b-256": hashlib.blake2b(data, digest_size=32).hexdigest(),
        "blake2b-512": hashlib.blake2b(data, digest_size=64).hexdigest(),
    }


def main():
    cases = [{"name": name, "input_hex": data.hex(), **digests(data)} for name, data in INPUTS]
    for rel in FILES:
        with open(os.path.join(ROOT, "test", "vectors", rel), "rb") as f:
            cases.append({"name": rel, "input_file": rel, **digests(f.read())})
    out = {
        "made_by": f"Python {platform.python_version()} hashlib: sha256, sha512, blake2b(digest_size=32) "
        "as securesystemslib's blake2b-256, and blake2b(digest_size=64)",
        "cases": cases,
    }
    path = os.path.join(ROOT, "test", "generated", "hashes.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
