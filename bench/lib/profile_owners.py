#!/usr/bin/env python3
"""Groups `perf report --sort dso,symbol --stdio -g none --no-demangle` lines (stdin) by owner:
the kernel, libc, the Swift runtime, BoringSSL, and each Swift module by the module name in the
mangled symbol (`$s8NIOPosix…` -> NIOPosix; a specialisation or closure names the module of the
outer declaration first). Prints the owners, largest first, with their share of all samples.
Used by bench/profile.sh."""
import re
import sys
from collections import defaultdict

line_re = re.compile(r"^\s+([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(\S+)")
module_re = re.compile(r"^\$s(?:\d+)?")
owners = defaultdict(float)
for line in sys.stdin:
    match = line_re.match(line)
    if not match:
        continue
    share, dso, kind, symbol = float(match.group(1)), match.group(2), match.group(3), match.group(4)
    if kind == "k":
        owner = "kernel"
    elif dso.startswith("libc") or dso.startswith("ld-"):
        owner = "libc"
    elif dso.startswith("[vdso]"):
        owner = "vdso"
    elif symbol.startswith("swift_") or symbol.startswith("_swift") or "swift::" in symbol or symbol.startswith("_ZN5swift"):
        owner = "Swift runtime (retain/release, allocation, casts, metadata)"
    elif ("BoringSSL" in symbol or "nistz256" in symbol or symbol.startswith("bn_") or symbol.startswith("beeu")
          or symbol.startswith("sha256_") or symbol.startswith("aes_") or symbol.startswith("gcm_")
          or symbol.startswith("ChaCha20") or symbol.startswith("x25519")):
        # BoringSSL (swift-crypto's and swift-nio-ssl's copies); its assembly routines carry no prefix.
        owner = "BoringSSL"
    elif symbol.startswith("$s"):
        # $s<length><name>: the first identifier is the module of the outermost context.
        rest = symbol[2:]
        name = re.match(r"(\d+)", rest)
        if name:
            length = int(name.group(1))
            start = len(name.group(1))
            module = rest[start:start + length]
            owner = {"s": "Swift standard library"}.get(module, module)
        elif rest[:1] in ("s", "S"):
            # $ss…: the module "Swift"; $sS…: a standard type by its short name (Sa Array, SS String, …).
            owner = "Swift standard library"
        else:
            owner = "Swift (other)"
    elif symbol.startswith("llhttp") or symbol.startswith("c_nio_llhttp"):
        owner = "llhttp"
    else:
        owner = "%s (other)" % dso
    owners[owner] += share
for owner, share in sorted(owners.items(), key=lambda item: -item[1]):
    if share >= 0.3:
        print("  %6.2f%%  %s" % (share, owner))
