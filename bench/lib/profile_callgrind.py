#!/usr/bin/env python3
"""Reads callgrind output files (valgrind --tool=callgrind) through callgrind_annotate. Used by
bench/instructions.sh.

  profile_callgrind.py total FILE
      the program's total instructions (the PROGRAM TOTALS line).
  profile_callgrind.py top SMALL LARGE REQUESTS K
      per request: (LARGE - SMALL) / REQUESTS, where SMALL and LARGE are the files of two runs of
      the same process that differ only by REQUESTS requests. Prints the total, its split by
      thread (the event loop, the audit writer, the rest) and the K functions with the most
      inclusive instructions per request, Swift names demangled (`swift demangle --simplified
      --compact`, one process for all names; mangled when swift is missing). The thread and
      event-loop frames that enclose everything (start_thread, ThreadOpsPosix.run,
      SelectableEventLoop.run, Selector.whenReady0, …) are left out of the list.
"""
import re
import shutil
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(.*?)(?: \[([^\]]*)\])?\s*$")

# Frames above the work: a thread's start, NIO's thread and event-loop plumbing, the thread
# pool's. Each encloses nearly all of its thread's instructions, so they would fill the top of
# the list with the same figure. Matched against demangled names.
WRAPPERS = [re.compile(pattern) for pattern in (
    r"^start_thread$",
    r"^clone3?$",
    r"\(below main\)",
    r"^__libc_start_main",
    r"ThreadOpsPosix\.run\(",
    r"\(@guaranteed NIOThread\) -> \(\)",
    r"setupThreadAndEventLoop\(",
    r"SelectableEventLoop\.run\(\)",
    r"SelectableEventLoop\._blockingWaitForWork\(",
    r"Selector\.whenReady0\(",
    r"SelectorEvent<NIORegistration>\) -> ",
    r"NIOThreadPool\._start\(",
    r"NIOThreadPool\.WorkItemState\) -> ",
)]


def annotate(path, inclusive):
    """{(function, object): instructions} and the program total of one callgrind file."""
    result = subprocess.run(
        ["callgrind_annotate", "--inclusive=" + ("yes" if inclusive else "no"), "--threshold=100", path],
        capture_output=True, text=True, check=True)
    functions = defaultdict(int)
    total = None
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        count = int(match.group(1).replace(",", ""))
        where = match.group(2)
        if where == "PROGRAM TOTALS":
            total = count
            continue
        # "file:function"; the file is "???" without debug information. Function names may hold
        # "::" (C++), file names do not hold ":".
        function = where.split(":", 1)[1] if ":" in where else where
        obj = (match.group(3) or "").rsplit("/", 1)[-1]
        functions[(function, obj)] += count
    if total is None:
        sys.exit("no PROGRAM TOTALS in callgrind_annotate's output for %s" % path)
    return functions, total


def demangle(names):
    swift = shutil.which("swift")
    if not swift or not names:
        return list(names)
    try:
        result = subprocess.run([swift, "demangle", "--simplified", "--compact"],
                                input="\n".join(names) + "\n", capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return list(names)
    lines = result.stdout.split("\n")
    if result.returncode != 0 or len(lines) < len(names):
        return list(names)
    return lines[:len(names)]


def group(number):
    return "{:,.0f}".format(number)


def top(small_path, large_path, requests, count):
    small, small_total = annotate(small_path, True)
    large, large_total = annotate(large_path, True)
    per_request = {}
    for key in set(small) | set(large):
        value = (large.get(key, 0) - small.get(key, 0)) / requests
        if value > 0:
            per_request[key] = value
    keys = sorted(per_request, key=lambda key: -per_request[key])
    names = dict(zip([key[0] for key in keys], demangle([key[0] for key in keys])))
    # The object the most instructions ran in, start_thread aside, is the measured binary.
    objects = defaultdict(float)
    for (function, obj), value in per_request.items():
        if not any(wrapper.search(names[function]) for wrapper in WRAPPERS):
            objects[obj] += value
    binary = max(objects, key=objects.get) if objects else ""

    total = (large_total - small_total) / requests
    print("total: %s instructions per request" % group(total))

    def thread(pattern):
        values = [per_request[key] for key in keys if re.search(pattern, names[key[0]])]
        return max(values) if values else None

    loop = thread(r"^SelectableEventLoop\.run\(\)$")
    audit = thread(r"^AuditWriter\.run\(\)$")
    if loop is not None:
        parts = ["event loop %s" % group(loop)]
        rest = total - loop
        if audit is not None:
            parts.append("audit writer %s" % group(audit))
            rest -= audit
        parts.append("the rest %s" % group(rest))
        print("by thread: " + ", ".join(parts))
    print()
    print("top %d functions by inclusive instructions per request (thread and event-loop frames that"
          " enclose everything left out):" % count)
    shown = 0
    for key in keys:
        function, obj = key
        name = names[function]
        if any(wrapper.search(name) for wrapper in WRAPPERS):
            continue
        where = "" if obj == binary or not obj else "  [%s]" % obj
        line = "%10s  %s%s" % (group(per_request[key]), name, where)
        print(line[:220].rstrip())
        shown += 1
        if shown == count:
            break


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "total":
        print(annotate(sys.argv[2], False)[1])
    elif len(sys.argv) == 6 and sys.argv[1] == "top":
        top(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
