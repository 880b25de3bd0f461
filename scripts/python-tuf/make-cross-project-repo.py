#!/usr/bin/env python3
"""Write, with python-tuf, a repository where one project's developer lists files under another project's path.

Needs what make-pypi-repos.py needs (whose repository class and wheel maker it uses):

    PYTHONPATH=<python-tuf tree>:<securesystemslib tree> python3 \
        scripts/python-tuf/make-cross-project-repo.py test/generated/python-tuf/cross-project

The output folder (which must not exist yet) gets:

    metadata/            targets delegates claimed and recently-claimed for "*/*"; claimed delegates
                         my-project, then other-project, each terminating, each for "<project>/*".
                         my-project's developer (the attacker) also lists, in my-project's role,
                         other-project/other_project-2.0-py3-none-any.whl (a wheel of its own, at the
                         version other-project published) and other_project-2.1 (a version
                         other-project never published); other-project's role lists its real 2.0
    files/               other-project's wheel (other_project-2.0-py3-none-any.whl), and under
                         from-my-project/ the two wheels my-project's developer made under those names
    verdicts.json        python-tuf's verdict (ngclient Updater, from 1.root.json) on each offered file

Roles are signed by Ed25519 keys thrown away after; everything expires on 2036-01-01.
"""

import argparse
import importlib.util
import json
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("make_pypi_repos", os.path.join(HERE, "make-pypi-repos.py"))
pypi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pypi)

from securesystemslib.signer import CryptoSigner  # noqa: E402

import tuf  # noqa: E402
from tuf.api.metadata import DelegatedRole, Delegations, Metadata, Targets  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", help="output folder (must not exist)")
    args = parser.parse_args()
    os.makedirs(args.out)
    out = args.out
    genuine = pypi.wheel("other_project", "2.0", "VALUE = 2\n")
    forged = {
        "2.0": pypi.wheel("other_project", "2.0", 'VALUE = "from my-project"\n'),
        "2.1": pypi.wheel("other_project", "2.1", 'VALUE = "from my-project"\n'),
    }
    os.makedirs(os.path.join(out, "files", "from-my-project"))
    with open(os.path.join(out, "files", "other_project-2.0-py3-none-any.whl"), "xb") as f:
        f.write(genuine)
    for version, data in forged.items():
        with open(os.path.join(out, "files", "from-my-project", f"other_project-{version}-py3-none-any.whl"), "xb") as f:
            f.write(data)

    repo = pypi.Repo(out, ".")
    claimed_signer = CryptoSigner.generate_ed25519()
    mine = CryptoSigner.generate_ed25519()
    theirs = CryptoSigner.generate_ed25519()
    keys = {k.keyid: k for k in (claimed_signer.public_key, repo.online.public_key)}
    top = Targets(expires=pypi.EXPIRES, delegations=Delegations(keys=keys, roles={
        "claimed": DelegatedRole("claimed", [claimed_signer.public_key.keyid], 1, False, paths=["*/*"]),
        "recently-claimed": DelegatedRole("recently-claimed", [repo.online.public_key.keyid], 1, False, paths=["*/*"]),
    }))
    md = Metadata(top)
    md.sign(repo.targets_signer)
    repo.write("targets", md)
    # my-project first: a search that took the first role listing a path, whatever its patterns, finds the forgery.
    claimed = Targets(expires=pypi.EXPIRES, delegations=Delegations(
        keys={mine.public_key.keyid: mine.public_key, theirs.public_key.keyid: theirs.public_key},
        roles={
            "my-project": DelegatedRole("my-project", [mine.public_key.keyid], 1, True, paths=["my-project/*"]),
            "other-project": DelegatedRole("other-project", [theirs.public_key.keyid], 1, True, paths=["other-project/*"]),
        },
    ))
    md = Metadata(claimed)
    md.sign(claimed_signer)
    repo.write("claimed", md)
    md = Metadata(Targets(expires=pypi.EXPIRES, delegations=Delegations(keys={}, roles={})))
    md.sign(repo.online)
    repo.write("recently-claimed", md)
    role = Targets(expires=pypi.EXPIRES)
    for version, data in forged.items():
        path = f"other-project/other_project-{version}-py3-none-any.whl"
        role.targets[path] = pypi.TargetFile.from_data(path, data, pypi.HASHES)
    md = Metadata(role)
    md.sign(mine)
    repo.write("my-project", md)
    role = Targets(expires=pypi.EXPIRES)
    path = "other-project/other_project-2.0-py3-none-any.whl"
    role.targets[path] = pypi.TargetFile.from_data(path, genuine, pypi.HASHES)
    md = Metadata(role)
    md.sign(theirs)
    repo.write("other-project", md)
    repo.finish(["claimed", "recently-claimed", "my-project", "other-project"])

    offered = [
        ("other-project/other_project-2.0-py3-none-any.whl", "files/other_project-2.0-py3-none-any.whl", genuine),
        ("other-project/other_project-2.0-py3-none-any.whl", "files/from-my-project/other_project-2.0-py3-none-any.whl", forged["2.0"]),
        ("other-project/other_project-2.1-py3-none-any.whl", "files/from-my-project/other_project-2.1-py3-none-any.whl", forged["2.1"]),
    ]
    verdicts = [{"target_path": t, "file": f, "python_tuf": pypi.python_tuf_verdict(repo, t, data)} for t, f, data in offered]
    with open(os.path.join(out, "verdicts.json"), "x") as f:
        json.dump({"writer": f"python-tuf {tuf.__version__}", "targets": verdicts}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
