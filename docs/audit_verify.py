#!/usr/bin/env python3
"""Verify gateway audit logs (docs/audit.md) without the gateway: Python 3 standard library only.

usage: python3 audit_verify.py FILE [FILE...]

The files are checked as one hash chain in the order given. For each line:
  * it is a JSON object whose text is its RFC 8785 (JCS) canonical form;
  * hash == lowercase hex SHA-256 of the canonical text of the object without "hash";
  * prev == the hash of the record before it (across files too).
The first record may have prev = 64 zeros (start of a chain) or continue an earlier file.
Prints "ok: N records" and exits 0, or prints the first broken record as FILE:LINE: ... and exits 1.

json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) equals JCS for these
records: they hold no floats (JCS writes numbers as ECMAScript does; Python's float repr differs),
their integers are within 2**53 - 1, and their member names are ASCII, so Python's code-point sort
equals JCS's UTF-16 sort. Python escapes strings as JCS does: \\" \\\\ \\b \\f \\n \\r \\t, other
controls as \\u00xx in lowercase hex, everything else literal with ensure_ascii=False.
"""
import hashlib
import json
import sys

ZERO = "0" * 64
HEX = set("0123456789abcdef")
MAX_SAFE_INTEGER = 2**53 - 1


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def reject_constant(name):
    raise ValueError("not JSON: " + name)


def reject_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate member name " + json.dumps(key))
        obj[key] = value
    return obj


def check_integer(text):
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise ValueError("integer beyond 2**53 - 1 (RFC 7493): " + text)
    return value


def is_hash(value):
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def check_line(raw):
    """Returns (prev, hash) or raises ValueError saying what is wrong."""
    if not raw:
        raise ValueError("malformed record: empty line")
    try:
        obj = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=reject_duplicates,
            parse_float=lambda text: reject_constant("fraction " + text),
            parse_int=check_integer,
            parse_constant=reject_constant,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError("malformed record: " + str(error))
    if not isinstance(obj, dict):
        raise ValueError("malformed record: not a JSON object")
    if not is_hash(obj.get("hash")) or not is_hash(obj.get("prev")):
        raise ValueError("record is not chained: no prev and hash of 64 lowercase hex digits")
    unhashed = {key: value for key, value in obj.items() if key != "hash"}
    try:
        recomputed = hashlib.sha256(canonical(unhashed)).hexdigest()
        text = canonical(obj)
    except UnicodeEncodeError:
        raise ValueError("malformed record: lone surrogate")
    if recomputed != obj["hash"]:
        raise ValueError("record edited: hash is %s but the content hashes to %s" % (obj["hash"], recomputed))
    if text != raw:
        raise ValueError("malformed record: the line is not in RFC 8785 canonical form")
    return obj["prev"], obj["hash"]


def lines(path):
    """The file's lines without their newline, read one at a time."""
    with open(path, "rb") as file:
        for raw in file:
            yield raw[:-1] if raw.endswith(b"\n") else raw


def verify(paths):
    count = 0
    start = None
    expected = None
    for index, path in enumerate(paths):
        for number, raw in enumerate(lines(path), start=1):
            try:
                prev, digest = check_line(raw)
            except ValueError as error:
                return False, "%s:%d: %s" % (path, number, error), count
            if expected is None:
                start = prev
            elif prev != expected:
                where = ""
                if number == 1 and index > 0:
                    where = " (%s does not begin where %s ends)" % (path, paths[index - 1])
                message = "%s:%d: chain broken: prev is %s but the record before it has hash %s%s" % (
                    path, number, prev, expected, where)
                return False, message + " (a record was deleted, inserted or reordered)", count
            expected = digest
            count += 1
    summary = "ok: %d record%s" % (count, "" if count == 1 else "s")
    if start == ZERO:
        summary += "\nchain starts at its beginning (first prev is 64 zeros)"
    elif start is not None:
        summary += "\nchain continues an earlier file whose last hash is " + start
    return True, summary, count


def main(argv):
    if len(argv) < 2:
        print("usage: audit_verify.py FILE [FILE...]", file=sys.stderr)
        return 2
    try:
        ok, message, _ = verify(argv[1:])
    except OSError as error:
        print("error: %s" % error, file=sys.stderr)
        return 2
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
