#!/usr/bin/env python3
"""Wrong-typed requests for every argument of every command (SPEC §8 typed requests); a helper
of test_security_requests.sh, not a test itself.

  typed_garbage.py SOCK [SEED]
      Sends thousands of requests, each with arguments of the wrong JSON type (null, bools,
      integers, negative, 2^63, 2^64-1, floats, strings, huge strings, arrays, objects, deep
      nesting), over a few connections, reading each reply. Prints one summary line
      "requests=N replies=N codes=CODE:N,..." and exits 0 when every request got exactly one
      reply that is a protocol JSON line; exits 1 naming the first one that did not.
Requests never carry a right-typed value, so none of them can act (stop, cancel, shutdown).
"""
import json
import random
import socket
import sys

# command -> {field: type}; type is one of flag, int, text, texts, ids, signal, object.
COMMANDS = {
    "status": {"targets": "texts", "all": "flag"},
    "start": {"targets": "texts", "all": "flag", "wait": "flag"},
    "stop": {"targets": "texts", "all": "flag", "wait": "flag"},
    "restart": {"targets": "texts", "all": "flag", "wait": "flag", "rolling": "flag",
                "max_unavailable": "int", "max_surge": "int"},
    "signal": {"targets": "texts", "all": "flag", "reload": "flag", "signal": "signal"},
    "logs": {"targets": "texts"},
    "events": {"target": "text", "limit": "int", "after": "int", "wait": "flag"},
    "reload": {"dry_run": "flag"},
    "shutdown": {"drain": "flag"},
    "version": {},
    "submit": {"batch": "flag", "argv": "texts", "lines": "texts", "shell": "flag",
               "queue": "text", "name": "text", "priority": "int", "run_at_us": "int",
               "attempts": "int", "timeout_us": "int", "after": "ids", "key": "text",
               "env": "texts", "cwd": "text"},
    "submit_lines": {"lines": "texts"},
    "jobs": {"state": "text", "queue": "text", "limit": "int"},
    "show": {"id": "int"},
    "wait": {"ids": "ids"},
    "cancel": {"ids": "ids"},
    "retry": {"ids": "ids"},
    "queues": {},
    "pause": {"queue": "text"},
    "resume": {"queue": "text"},
    "compact": {},
    "queue_set": {"queue": "text", "values": "object"},
    "cron_list": {},
    "cron_add": {"name": "text", "schedule": "text", "timezone": "text", "queue": "text",
                 "argv": "texts", "shell": "flag", "overlap": "text", "catch_up": "text",
                 "catch_up_window_us": "int", "jitter_us": "int", "cwd": "text", "env": "texts"},
    "cron_run": {"name": "text"},
    "cron_remove": {"name": "text"},
    "cron_next": {"name": "text", "from_s": "int", "count": "int"},
}
# Commands whose empty request acts: never sent with null (which reads as "missing").
ACTS_WHEN_EMPTY = {"shutdown", "reload", "compact"}


def deep(n):
    return json.loads("[" * n + "]" * n)


# Nesting deeper than Python's json can write: a marker string, replaced in the encoded line.
DEEP = "__deep_nesting__"
DEEP_TEXT = "[" * 20000 + "]" * 20000


def values(rng):
    """Values of every JSON type; each is wrong for some kinds of field."""
    return [
        None, True, False, 0, 1, -1, 2**31, -2**31 - 1, 2**53 + 1, 2**63, -2**63, 2**64 - 1,
        0.5, -1e308, 1e308, "", "x", "TERM", "ünïcødé", "a" * 1000, "b" * 60000,
        [], [None], [True], [1, 2], [-1], [0], [2**64 - 1], [1.5], [[]], [{}], ["ok", 3],
        {}, {"a": 1}, {"targets": ["x"]}, deep(200), DEEP,
        {"k": deep(100)}, [rng.random()], ["s" * 5000] * 5,
    ]


def right_type(kind, v):
    """Whether v has the field's JSON type (such values are not sent: they could act)."""
    if v is None:
        return False
    if kind == "flag":
        return isinstance(v, bool)
    if v == DEEP:
        return False
    if kind in ("int", "signal"):
        if kind == "signal" and isinstance(v, str):
            return True
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**31
    if kind == "text":
        return isinstance(v, str) and v != DEEP
    if kind == "texts":
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if kind == "object":
        return isinstance(v, dict)
    if kind == "ids":
        return isinstance(v, list) and all(
            isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v)
    return False


def requests(rng):
    vals = values(rng)
    for cmd, fields in COMMANDS.items():
        for field, kind in fields.items():
            for v in vals:
                if right_type(kind, v) or (v is None and cmd in ACTS_WHEN_EMPTY):
                    continue
                yield {"v": 1, "cmd": cmd, "args": {field: v}}
    # Several wrong fields at once, in random combinations.
    for _ in range(800):
        cmd = rng.choice(list(COMMANDS))
        fields = COMMANDS[cmd]
        if not fields:
            yield {"v": 1, "cmd": cmd, "args": rng.choice([[], "x", 1, None, True])}
            continue
        args = {}
        for field, kind in fields.items():
            if rng.random() < 0.5:
                v = rng.choice(vals)
                while right_type(kind, v) or v is None:
                    v = rng.choice(vals)
                args[field] = v
        if not args:
            field, kind = next(iter(fields.items()))
            args[field] = {"wrong": True}
        yield {"v": 1, "cmd": cmd, "args": args}
    # Wrong envelopes.
    for v in vals[:20]:
        yield {"v": v, "cmd": "status"}
        yield {"v": 1, "cmd": v}


class Conn:
    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""

    def exchange(self, line):
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(self.path)
            self.buf = b""
        self.sock.sendall(line)
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.sock.close()
                self.sock = None
                return None
            self.buf += chunk
        reply, self.buf = self.buf.split(b"\n", 1)
        return reply


def main():
    path = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 13)
    conn = Conn(path)
    sent = replied = 0
    codes = {}
    for req in requests(rng):
        text = json.dumps(req, separators=(",", ":")).replace(f'"{DEEP}"', DEEP_TEXT, 1)
        line = (text + "\n").encode()
        sent += 1
        reply = conn.exchange(line)
        if reply is None:
            print(f"no reply (connection closed) to request {sent}: {line[:300]!r}")
            return 1
        try:
            r = json.loads(reply)
            ok = r["ok"]
            assert r["v"] == 1 and isinstance(ok, bool)
            code = "ok" if ok else r["error"]["code"]
            assert isinstance(code, str)
        except Exception as e:  # noqa: BLE001 - any malformed reply fails the test
            print(f"bad reply {reply[:300]!r} to {line[:300]!r}: {e}")
            return 1
        replied += 1
        codes[code] = codes.get(code, 0) + 1
        if code == "too_large":
            conn.sock.close()  # the daemon closes after too_large
            conn.sock = None
    summary = ",".join(f"{k}:{v}" for k, v in sorted(codes.items()))
    print(f"requests={sent} replies={replied} codes={summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
