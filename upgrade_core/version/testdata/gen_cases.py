#!/usr/bin/env python3
"""Seeded (constraint, version) pairs for the Masterminds golden file.

Prints "C<TAB>constraint<TAB>version" lines: realistic Helm constraints and
adversarial ones built from the grammar's corner pieces (wildcards, '|',
hyphens with and without spaces, commas, prereleases, leading zeros, 'v').
See README.md for how the verdicts are produced."""
import random

r = random.Random(20261127)

NUMS = ["0", "1", "2", "3", "10", "01", "x", "X", "*", "1|2", "28", "31"]
PRES = ["", "-0", "-rc.1", "-alpha", "-beta.2", "-1.4.5", "-gke.100", "-01",
        "-eks-1a2b", "--x"]
BUILDS = ["", "", "", "+build.5", "+rke2r1"]
OPS = ["", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^"]
SEPS = [" ", ", ", ",", "  ", " ,", " , "]


def cv():
    parts = [r.choice(NUMS)]
    for _ in range(r.choice([0, 1, 1, 2, 2, 2])):
        parts.append(r.choice(NUMS))
    s = ".".join(parts)
    if r.random() < 0.1:
        s = "v" + s
    return s + r.choice(PRES) + r.choice(BUILDS)


def comparator():
    op = r.choice(OPS)
    return op + (" " if op and r.random() < 0.3 else "") + cv()


def and_group():
    if r.random() < 0.15:
        return cv() + r.choice([" - ", "-", " -", " -  "]) + cv()
    n = r.choice([1, 1, 2, 2, 3])
    s = comparator()
    for _ in range(n - 1):
        s += r.choice(SEPS) + comparator()
    return s


def constraint():
    n = r.choice([1, 1, 1, 2, 3])
    return r.choice([" || ", "||", " ||", "|| "]).join(
        and_group() for _ in range(n))


def version():
    maj = r.choice(["0", "1", "1", "2", "3"])
    s = ".".join([maj, str(r.randrange(0, 12)), str(r.randrange(0, 6))][
        : r.choice([3, 3, 3, 2, 1])])
    s += r.choice(["", "", "", "-0", "-rc.1", "-alpha", "-beta.2", "-1.4.5",
                   "-gke.100", "-eks-1a2b"])
    s += r.choice(["", "", "+build.5"])
    if r.random() < 0.15:
        s = "v" + s
    return s


REALISTIC = [
    ">= 1.28.0-0", ">= 1.25.0-0 < 1.29.0-0", "^1.2.3", "~1.2.0", "1.2.x",
    "1.x", "1.2.*", ">=1.2 <2.0 || 3.x", ">=1.2.3 <2.4.0", "1.2.3", "=1.2.3",
    "1.2.3 - 2.0.1", "1.*", ">=1.19.0-0", "<1.30.0", "*", "^0.2.3", "~0.0.1",
    "!=1.2.3", ">1.2", "<=1.2", "^*", "~*", "1.2-1.4.5", "1.2 - 1.4.5",
    "1.0 2 - 3", "1||2 - 3", ">= 1.21.0-0, < 1.31.0-0", "~> 2.1",
]

seen = set()
for c in REALISTIC:
    for _ in range(12):
        print(f"C\t{c}\t{version()}")
for _ in range(6000):
    c, v = constraint(), version()
    if (c, v) in seen:
        continue
    seen.add((c, v))
    print(f"C\t{c}\t{v}")
