#!/usr/bin/env python3
"""TUF path pattern vectors, computed by CPython's own fnmatch.

Regenerate (Python 3.11, standard library only, on a POSIX host), from the repository root:

    python3 scripts/vectors/fnmatch-cases.py

It writes test/generated/fnmatch-cases.json, read by test/tuf/model/path-pattern.test.ts. The output
is deterministic: the random cases come from a fixed seed. Semantics and why:
docs/decisions/0007-path-pattern-semantics.md.

- "component": [name, pattern, expected] with expected = fnmatch.fnmatch(name, pattern).
- "path": [target_path, pattern, expected] with the python-tuf rule
  (DelegatedRole._is_target_in_pathpattern, TUF specification section 4.5 "paths"): split both
  on "/", the same number of components, every component matched by fnmatch.fnmatch.
"""
import fnmatch
import json
import os
import random
import sys
from pathlib import Path

# fnmatch.fnmatch folds case on Windows (os.path.normcase); TUF clients on POSIX do not.
assert os.name == "posix", "run on a POSIX host: fnmatch.fnmatch must not fold case"
assert sys.version_info[:2] == (3, 11), "the vectors pin CPython 3.11's fnmatch"

OUT = Path(__file__).resolve().parents[2] / "test" / "generated" / "fnmatch-cases.json"
SEED = 458

EMOJI = "\U0001F600"  # astral: two UTF-16 units, one code point
COMBINING = "e\u0301"  # "e" and a combining acute accent: two code points
LONE_SURROGATE = "\ud800"
LOW_HALF = "\ude00"  # the second UTF-16 unit of EMOJI, alone: never a part of it

PATTERNS = [
    # stars, question marks, literals
    "", "*", "**", "?", "??", "a", "abc", "*a", "a*", "*a*", "a*b*c", "a?c", "?" + EMOJI,
    "*.tar.gz", "requests-*.whl", "*" + EMOJI + "*",
    # sets
    "[abc]", "[!abc]", "[a-c]", "[!a-c]", "[!]", "[]", "[]]", "[!]]", "[]-]", "[a-]", "[-a]",
    "[z-a]", "[!z-a]", "[a-z-0]", "[\\]", "[[]", "[", "[a", "[!", "[!a", "a[", "[]a",
    "[!]a]", "[z-a!]", "[z-a!-c]", "[a--]", "[---]", "[!--]", "[--a]", "[!--a]", "[!-a]",
    "[!a-]", "[!a-c-e]", "[!]-a]", "[!]--]", "[a-cd-f]", "[a-c-e]",
    "[b-ab-c]", "[!b-ab-c]", "[^a]", "[a^]", "[&&a]", "[a|b]", "[~~]", "[\\-a]", "[%--]",
    "[]-a]", "[]-\\]", "[" + EMOJI + "]", "[!" + EMOJI + "]", "[a-" + EMOJI + "]",
    "[" + EMOJI + "-a]", "[\u00e9]", "[!\n]", "[\n]", "[][!]", "[[]]", "[!!]", "[a-a]",
    # regular expression metacharacters and backslashes are literal
    ".", "a.c", "a+", "(a)", "^a", "a$", "a|b", "a{2}", "\\", "\\*", "a\\b", "\\[a]", "\\?",
    # newlines and combining marks
    "\n", "a\nb", "*\n*", "?\u0301", COMBINING, "\u00e9",
    # surrogates are code points of their own, never halves of an astral character
    LONE_SURROGATE, "*" + LOW_HALF, "?" + LOW_HALF, "[\udc00-\udfff]", "*[\udc00-\udfff]",
    "[!\udc00-\udfff]",
]

NAMES = [
    "", "a", "b", "c", "z", "A", "0", "ab", "abc", "aXc", "aa", "!", "-", "]", "[", "[!]", "[]",
    "[a", "a[", "\\", "\\*", "*", "?", "^", ".", "&", "|", "~", "%", "\n", "a\nb", "x\ny",
    EMOJI, "a" + EMOJI, EMOJI + EMOJI, COMBINING, "\u00e9", "\u0301", LONE_SURROGATE,
    LOW_HALF, "a" + LOW_HALF, EMOJI + "a",
    "requests-2.0.whl", "x.tar.gz", "a.c", "a+", "(a)", "^a", "a$", "a|b", "a{2}", "a\\b", "]a",
]

PATH_PATTERNS = [
    "", "*", "*/*", "*/*/*", "requests/*", "*/requests-*", "a/b", "a/*", "*/b", "a//b", "a/*/b",
    "/", "/*", "*/", "a/", "?/?", "a?b", "a*b", "a[/]b", "[!x]/*", "?/x", EMOJI + "/*",
    "*/" + EMOJI, "[z-a]/*", "*/[!]",
]

PATHS = [
    "", "/", "//", "a", "a/b", "a/b/c", "a//b", "a/x/b", "/a", "a/", "requests",
    "requests/requests-2.0.tar.gz", "requests/sub/x.tar.gz", "numpy/requests-1.0", "x/[!]",
    "a-b", "a/-b", EMOJI + "/x", "x/" + EMOJI, "b/x", "\n/\n",
]


def tuf_match(target_path, pattern):
    target_parts = target_path.split("/")
    pattern_parts = pattern.split("/")
    if len(target_parts) != len(pattern_parts):
        return False
    return all(fnmatch.fnmatch(t, p) for t, p in zip(target_parts, pattern_parts))


def random_text(rng, alphabet, most):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, most)))


def name_for(rng, pattern, alphabet):
    """A name likely to match: the pattern with its metacharacters replaced."""
    out = []
    for c in pattern:
        if c == "*":
            out.append(random_text(rng, alphabet, 3))
        elif c in "?[]!":
            out.append(rng.choice(alphabet))
        else:
            out.append(c)
    return "".join(out)


def random_cases(rng, count, pattern_alphabet, name_alphabet, match):
    cases = []
    for _ in range(count):
        pattern = random_text(rng, pattern_alphabet, 8)
        if rng.random() < 0.5:
            name = name_for(rng, pattern, name_alphabet)
        else:
            name = random_text(rng, name_alphabet, 8)
        cases.append([name, pattern, match(name, pattern)])
    return cases


def main():
    rng = random.Random(SEED)
    component_alphabet = ["a", "b", "z", "!", "-", "]", "[", "*", "?", "\\", "^", ".", EMOJI, "\u0301"]
    name_alphabet = ["a", "b", "z", "!", "-", "]", "[", "\\", "^", ".", EMOJI, "\u0301"]
    component = [[n, p, fnmatch.fnmatch(n, p)] for p in PATTERNS for n in NAMES]
    component += random_cases(rng, 1500, component_alphabet, name_alphabet, fnmatch.fnmatch)
    path = [[t, p, tuf_match(t, p)] for p in PATH_PATTERNS for t in PATHS]
    path += random_cases(rng, 800, component_alphabet + ["/", "/"], name_alphabet + ["/", "/"], tuf_match)
    doc = {
        "generator": "scripts/vectors/fnmatch-cases.py",
        "python": ".".join(map(str, sys.version_info[:3])),
        "seed": SEED,
        "component": component,
        "path": path,
    }
    # One case a line; ASCII only, so lone surrogates and astral characters survive as escapes.
    lines = [
        "{",
        *(f"  {json.dumps(k)}: {json.dumps(doc[k])}," for k in ("generator", "python", "seed")),
        '  "component": [',
        ",\n".join(f"    {json.dumps(c)}" for c in component),
        "  ],",
        '  "path": [',
        ",\n".join(f"    {json.dumps(c)}" for c in path),
        "  ]",
        "}",
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}: "
          f"{len(component)} component and {len(path)} path cases")


if __name__ == "__main__":
    main()
