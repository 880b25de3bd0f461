#!/usr/bin/env python3
"""Write, with python-tuf, small repositories signed with each signature scheme securesystemslib
verifies (and a few it does not), and record python-tuf's verdict on each.

Needs: python-tuf 5.x and securesystemslib 1.x importable, and pyca/cryptography (see compat.py).
Without PyPI, put their source trees on PYTHONPATH (docs/performance.md, "python-tuf here, without
PyPI", says how), then from the repository's top folder:

    PYTHONPATH=<python-tuf tree>:<securesystemslib tree> python3 \
        scripts/python-tuf/make-scheme-vectors.py test/generated/python-tuf

The output folder gets `schemes/<case>/` for each case, a consistent-snapshot metadata folder
(1.root.json, 1.targets.json, 1.snapshot.json, timestamp.json; every role expires on 2036-01-01),
and `schemes.json`: for each case its name, what it shows, and python-tuf's verdict, from what
python-tuf's Updater uses to check metadata (`TrustedMetadataSet`: root, timestamp, snapshot,
targets, in the client order of the TUF specification, 5.3 to 5.6). Keys and RSA-PSS and ECDSA
signatures are random: a second run writes other bytes with the same verdicts.

In every case one set of keys holds every role (threshold given per case), so each file checks
the same signatures. RSA-PSS signatures with a salt other than the digest length, and files with
keys securesystemslib cannot load, are signed here with pyca/cryptography over the canonical
bytes python-tuf signs (securesystemslib's `encode_canonical`).
"""

import hashlib
import json
import os
import shutil
import sys
from datetime import datetime, timezone

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the working tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compat  # noqa: E402,F401  (before securesystemslib: see compat.py)

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa  # noqa: E402
from securesystemslib.formats import encode_canonical  # noqa: E402
from securesystemslib.signer import Signature, Signer, SSlibKey  # noqa: E402

import tuf  # noqa: E402
from tuf.api.metadata import Metadata, MetaFile, Root, Snapshot, Targets, Timestamp  # noqa: E402
from tuf.api.serialization.json import JSONSerializer  # noqa: E402
from tuf.ngclient._internal.trusted_metadata_set import TrustedMetadataSet  # noqa: E402
from tuf.ngclient.config import EnvelopeType  # noqa: E402

EXPIRES = datetime(2036, 1, 1, tzinfo=timezone.utc)
HASHES = {"sha224": hashes.SHA224, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
CURVES = {"ecdsa-sha2-nistp384": (ec.SECP384R1, hashes.SHA384), "ecdsa-sha2-nistp521": (ec.SECP521R1, hashes.SHA512)}


class RawSigner(Signer):
    """Signs with a pyca/cryptography private key and the arguments given, whatever the scheme."""

    def __init__(self, private_key, public_key, sign):
        self._private_key = private_key
        self._public_key = public_key
        self._sign = sign

    @property
    def public_key(self):
        return self._public_key

    @classmethod
    def from_priv_key_uri(cls, priv_key_uri, public_key, secrets_handler=None):
        raise NotImplementedError

    def sign(self, payload):
        return Signature(self._public_key.keyid, self._sign(self._private_key, payload).hex())


def rsa_signer(scheme, bits=2048, salt=None, sign_hash=None):
    """An RSA key listed with `scheme`; PSS signatures with `salt` bytes (default: digest length),
    hashed with `sign_hash` (default: the scheme's)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    key = SSlibKey.from_crypto(private.public_key(), scheme=scheme)
    algorithm = HASHES[sign_hash or scheme[-6:]]
    if scheme.startswith("rsassa-pss"):
        length = padding.PSS.DIGEST_LENGTH if salt is None else padding.PSS.MAX_LENGTH if salt == "max" else salt
        pad = padding.PSS(mgf=padding.MGF1(algorithm()), salt_length=length)
    else:
        pad = padding.PKCS1v15()
    return RawSigner(private, key, lambda k, data: k.sign(data, pad, algorithm()))


def ecdsa_signer(scheme, keytype="ecdsa"):
    curve, algorithm = CURVES[scheme]
    private = ec.generate_private_key(curve())
    keyval = SSlibKey.from_crypto(private.public_key(), scheme=scheme).keyval
    wire = {"keytype": keytype, "scheme": scheme, "keyval": keyval}
    key = SSlibKey(hashlib.sha256(encode_canonical(wire).encode()).hexdigest(), keytype, scheme, keyval)
    return RawSigner(private, key, lambda k, data: k.sign(data, ec.ECDSA(algorithm())))


def p384_listed_as_p256():
    """A P-384 key listed as ecdsa-sha2-nistp256: securesystemslib refuses it when verifying."""
    private = ec.generate_private_key(ec.SECP384R1())
    keyval = SSlibKey.from_crypto(private.public_key()).keyval
    wire = {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": keyval}
    key = SSlibKey(hashlib.sha256(encode_canonical(wire).encode()).hexdigest(), "ecdsa", "ecdsa-sha2-nistp256", keyval)
    return RawSigner(private, key, lambda k, data: k.sign(data, ec.ECDSA(hashes.SHA256())))


def ed25519_signer():
    private = ed25519.Ed25519PrivateKey.generate()
    key = SSlibKey.from_crypto(private.public_key())
    return RawSigner(private, key, lambda k, data: k.sign(data))


def same_key_two_schemes():
    """One RSA private key listed twice: as rsassa-pss-sha256 and as rsa-pkcs1v15-sha256."""
    pss = rsa_signer("rsassa-pss-sha256")
    pkcs = SSlibKey.from_crypto(pss._private_key.public_key(), scheme="rsa-pkcs1v15-sha256")
    pad = padding.PKCS1v15()
    return [pss, RawSigner(pss._private_key, pkcs, lambda k, data: k.sign(data, pad, hashes.SHA256()))]


# An unknown scheme: securesystemslib's optional SPHINCS+ key, not registered by default.
UNKNOWN_KEY = {"keytype": "sphincs", "scheme": "sphincs-shake-128s", "keyval": {"public": "ab" * 32}}


def write_case(folder, signers, threshold, unknown_key=False):
    """root, targets, snapshot and timestamp, each role held by every signer with `threshold`;
    with `unknown_key`, root also lists UNKNOWN_KEY for every role and a signature by it."""
    os.makedirs(folder)
    root = Root(expires=EXPIRES, consistent_snapshot=True)
    for role in root.roles.values():
        role.threshold = threshold
    for s in signers:
        for role in root.roles:
            root.add_key(s.public_key, role)
    snapshot = Snapshot(expires=EXPIRES)
    snapshot.meta["targets.json"] = MetaFile(version=1)
    timestamp = Timestamp(expires=EXPIRES)
    timestamp.snapshot_meta = MetaFile(version=1)
    documents = {
        "1.root.json": Metadata(root),
        "1.targets.json": Metadata(Targets(expires=EXPIRES)),
        "1.snapshot.json": Metadata(snapshot),
        "timestamp.json": Metadata(timestamp),
    }
    for name, md in documents.items():
        if unknown_key and name == "1.root.json":
            data = root_with_unknown_key(md, signers)
        else:
            for s in signers:
                md.sign(s, append=True)
            data = md.to_bytes(JSONSerializer(compact=True))
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def root_with_unknown_key(md, signers):
    """securesystemslib cannot load a key of an unknown scheme: edit the dict, sign it here."""
    doc = md.to_dict()
    keyid = hashlib.sha256(encode_canonical(UNKNOWN_KEY).encode()).hexdigest()
    doc["signed"]["keys"][keyid] = UNKNOWN_KEY
    for role in doc["signed"]["roles"].values():
        role["keyids"].append(keyid)
    payload = encode_canonical(doc["signed"]).encode()
    doc["signatures"] = [s.sign(payload).to_dict() for s in signers] + [{"keyid": keyid, "sig": "cd" * 64}]
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def python_tuf_verdict(folder):
    """What python-tuf's client does with the folder: ok, or the error it raises."""

    def read(name):
        with open(os.path.join(folder, name), "rb") as f:
            return f.read()

    try:
        trusted = TrustedMetadataSet(read("1.root.json"), EnvelopeType.METADATA)
        trusted.update_timestamp(read("timestamp.json"))
        trusted.update_snapshot(read("1.snapshot.json"))
        trusted.update_targets(read("1.targets.json"))
        return {"ok": True, "error": None}
    except Exception as e:  # noqa: BLE001  (any failure is python-tuf's refusal)
        cause = f" ({type(e.__cause__).__name__}: {e.__cause__})" if e.__cause__ else ""
        return {"ok": False, "error": f"{type(e).__name__}: {e}{cause}"}


def cases():
    """(name, what the case shows, signers, threshold, with an unknown-scheme key)."""
    out = []
    for h in ("sha256", "sha384", "sha512"):
        out.append((f"rsa-pkcs1v15-{h}", f"RSA PKCS#1 v1.5 with {h.upper()}", [rsa_signer(f"rsa-pkcs1v15-{h}")], 1, False))
    for salt in (0, 20, 32, 64, "max"):
        what = f"RSA-PSS SHA-256 with a salt of {salt} bytes" if salt != "max" else "RSA-PSS SHA-256 with the longest salt (222 bytes for 2048 bits)"
        out.append((f"rsassa-pss-sha256-salt-{salt}", what, [rsa_signer("rsassa-pss-sha256", salt=salt)], 1, False))
    for h in ("sha384", "sha512"):
        out.append((f"rsassa-pss-{h}", f"RSA-PSS with {h.upper()}, salt of the digest length", [rsa_signer(f"rsassa-pss-{h}")], 1, False))
    out.append(("ecdsa-sha2-nistp384", "ECDSA P-384 with SHA-384, keytype ecdsa", [ecdsa_signer("ecdsa-sha2-nistp384")], 1, False))
    out.append(("ecdsa-sha2-nistp384-keytype", "ECDSA P-384, keytype ecdsa-sha2-nistp384", [ecdsa_signer("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384")], 1, False))
    out.append(("ecdsa-sha2-nistp521", "ECDSA P-521 with SHA-512", [ecdsa_signer("ecdsa-sha2-nistp521")], 1, False))
    for s in ("rsassa-pss-sha224", "rsa-pkcs1v15-sha224"):
        out.append((s, f"{s}: verified by securesystemslib, not accepted here", [rsa_signer(s)], 1, False))
    out.append(("rsa-pkcs1v15-sha256-1024", "a 1024-bit RSA key: verified by securesystemslib, not accepted here", [rsa_signer("rsa-pkcs1v15-sha256", bits=1024)], 1, False))
    out.append(("rsa-pkcs1v15-sha384-signed-sha256", "an rsa-pkcs1v15-sha384 key whose signatures hash with SHA-256", [rsa_signer("rsa-pkcs1v15-sha384", sign_hash="sha256")], 1, False))
    pss_as_pkcs = rsa_signer("rsa-pkcs1v15-sha256")
    pss_key = SSlibKey.from_crypto(pss_as_pkcs._private_key.public_key(), scheme="rsassa-pss-sha256")
    out.append(("rsassa-pss-sha256-signed-pkcs1v15", "an rsassa-pss-sha256 key whose signatures are PKCS#1 v1.5", [RawSigner(pss_as_pkcs._private_key, pss_key, pss_as_pkcs._sign)], 1, False))
    out.append(("unknown-scheme-threshold-met", "an Ed25519 key and a key of an unknown scheme (sphincs-shake-128s), threshold 1", [ed25519_signer()], 1, True))
    out.append(("unknown-scheme-threshold-not-met", "the same, threshold 2: only the unknown key could make the second signature", [ed25519_signer()], 2, True))
    out.append(("wrong-curve-threshold-met", "an Ed25519 key and a P-384 key listed as ecdsa-sha2-nistp256, threshold 1", [ed25519_signer(), p384_listed_as_p256()], 1, False))
    out.append(("same-rsa-key-two-schemes", "one RSA key listed as rsassa-pss-sha256 and as rsa-pkcs1v15-sha256, threshold 2, both sign", same_key_two_schemes(), 2, False))
    return out


def main():
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} <output folder>", file=sys.stderr)
        return 2
    out = sys.argv[1]
    base = os.path.join(out, "schemes")
    if os.path.exists(base):
        shutil.rmtree(base)
    records = []
    for name, what, signers, threshold, unknown in cases():
        folder = os.path.join(base, name)
        write_case(folder, signers, threshold, unknown)
        records.append({"name": name, "what": what, "python_tuf": python_tuf_verdict(folder)})
    manifest = {"writer": f"python-tuf {tuf.__version__}", "cases": records}
    with open(os.path.join(out, "schemes.json"), "w") as f:
        f.write(json.dumps(manifest, indent=2) + "\n")
    for r in records:
        print(f"{r['name']}: {'ok' if r['python_tuf']['ok'] else r['python_tuf']['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
