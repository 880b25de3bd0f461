#!/usr/bin/env python3
"""Which project pip 23 takes each distribution file name for: the reading verify-download must match.

Regenerate (Python 3 with pip 23, whose own link evaluation reads the names), from the repository root:

    python3 scripts/vectors/pip-distribution-names.py

It writes test/generated/pip-distribution-names.json, read by test/bundle/pypi-download.test.ts.
For each name, and each project its name could be (every prefix before a "-", normalized as pip
normalizes it, non-ASCII letters included): whether pip's LinkEvaluator takes the file as a
candidate of that project, and with which version; "unpinned" when the version survives pip's
specifier filter for a requirement with no version (a PEP 440 version), "pinned" when only a
requirement naming that very version (packaging 21.3's LegacyVersion, `foo==bar-1.0`) takes it.
"""
import json
import os
import warnings

warnings.simplefilter("ignore")

import pip  # noqa: E402
from pip._internal.index.package_finder import LinkEvaluator, LinkType  # noqa: E402
from pip._internal.models.link import Link  # noqa: E402
from pip._internal.models.target_python import TargetPython  # noqa: E402
from pip._vendor.packaging.specifiers import SpecifierSet  # noqa: E402
from pip._vendor.packaging.utils import canonicalize_name  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NAMES = [
    "my_project-1.0-py3-none-any.whl",
    "My_Project-1.0-py3-none-any.whl",
    "zope.interface-6.0-1-cp311-cp311-manylinux_2_17_x86_64.whl",
    "my_project-1.0.tar.gz",
    "my_project-1.0rc1.post2.dev3+local.1.tar.gz",
    "Django-4.2.zip",
    "my_project-1.0.tar.bz2",
    "my_project-1.0.tgz",
    "my_project-1.0.tar",
    "my_project-1.0.tar.xz",
    "my_project-1.0.tbz",
    "my_project-1.0.txz",
    "my_project-1.0.tlz",
    "my_project-1.0.tar.lz",
    "my_project-1.0.tar.lzma",
    "foo-bar-1.0.tar.gz",
    "foo-1.0-1.tar.gz",
    "foo-bar.tar.gz",
    "python-dateutil-2.8.2.tar.gz",
    "\u212aeras-1.0-py3-none-any.whl",
    "\u212aeras-1.0.tar.gz",
    "evil-\u212aeras-1.0.tar.gz",
    "my_project-1.0~x-py3-none-any.whl",
    "my_project-1.0`id`-py3-none-any.whl",
    "my project-1.0.tar.gz",
    "my_project-1.0.TAR.GZ",
    "My_Project-1.0.WHL",
    "my_project-1.0.egg",
    "-1.0.tar.gz",
    "foo.tar.gz",
    "a-b-c.whl",
    "index.html",
]


def readings(name):
    """{project: {"version", "unpinned"}} for every project pip takes the file as a candidate of."""
    out = {}
    stem = name
    for i, c in enumerate(stem):
        if c != "-" or i == 0:
            continue
        project = canonicalize_name(stem[:i])
        evaluator = LinkEvaluator(
            project_name=project,
            canonical_name=project,
            formats=frozenset({"source", "binary"}),
            target_python=TargetPython(),
            allow_yanked=True,
        )
        kind, detail = evaluator.evaluate_link(Link(f"https://files.example.org/packages/a/{name}"))
        if kind == LinkType.candidate:
            out[project] = {"version": detail, "unpinned": bool(list(SpecifierSet("").filter([detail])))}
    return out


def main():
    doc = {"writer": f"pip {pip.__version__}", "names": {n: readings(n) for n in NAMES}}
    path = os.path.join(ROOT, "test", "generated", "pip-distribution-names.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
