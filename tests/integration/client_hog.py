#!/usr/bin/env python3
"""Hostile control-socket clients for test_security_limits.sh (not a test itself).

  client_hog.py conns SOCK COUNT STATUS_FILE blank|request
      Opens COUNT connections; on each sends a `status` request and reads the reply: an ok
      reply keeps the connection, an error (busy) closes it. Writes "admitted=A refused=R"
      and the first refusal's message to STATUS_FILE, then every second sends each kept
      connection a blank line ("blank") or a `status` request ("request", reply read), and
      rewrites STATUS_FILE with "open=N" (connections tendd has not closed). Runs until killed.
  client_hog.py batch SOCK LINES_PER_REQUEST LINE_BYTES MAX_BYTES STATUS_FILE
      Sends submit_lines requests (a --stdin batch that is never submitted) until MAX_BYTES of
      line text are buffered or a request is refused; writes "buffered=B error=CODE message"
      to STATUS_FILE and keeps the connection (and the batch) until killed.
  client_hog.py flood SOCK COUNT STATUS_FILE
      Opens COUNT connections and keeps each one's socket ready without pause: 512 `version`
      requests in flight on each, one more sent for every reply read. Writes
      "replies=N" to STATUS_FILE every second. Runs until killed.
"""
import json
import os
import select
import socket
import sys
import time

STATUS = b'{"v":1,"cmd":"status","args":{}}\n'


def write_status(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, path)


def read_line(s, timeout=10):
    s.settimeout(timeout)
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None
        buf += chunk
    return json.loads(buf.split(b"\n", 1)[0])


def conns(path, count, status_file, mode):
    kept, refused, first = [], 0, ""
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        try:
            s.sendall(STATUS)
        except OSError:
            pass  # closed at once: the reply it was sent first says why
        try:
            reply = read_line(s)
        except (OSError, ValueError):
            reply = None
        if reply and reply.get("ok"):
            kept.append(s)
            continue
        refused += 1
        if not first:
            first = json.dumps(reply.get("error")) if reply else "closed without a reply"
        s.close()
    write_status(status_file, "admitted=%d refused=%d open=%d first_refusal=%s"
                 % (len(kept), refused, len(kept), first))
    open_socks = list(kept)
    while True:
        time.sleep(1)
        still = []
        for s in open_socks:
            try:
                s.setblocking(False)
                # Anything to read? EOF means tendd closed the connection.
                r, _, _ = select.select([s], [], [], 0)
                if r and s.recv(65536) == b"":
                    s.close()
                    continue
                s.setblocking(True)
                if mode == "blank":
                    s.sendall(b"\n")
                else:
                    s.sendall(STATUS)
                    if read_line(s) is None:
                        s.close()
                        continue
                still.append(s)
            except OSError:
                s.close()
        open_socks = still
        write_status(status_file, "admitted=%d refused=%d open=%d first_refusal=%s"
                     % (len(kept), refused, len(open_socks), first))


def batch(path, per_request, line_bytes, max_bytes, status_file):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    line = "x" * line_bytes
    req = (json.dumps({"v": 1, "cmd": "submit_lines", "args": {"lines": [line] * per_request}})
           + "\n").encode()
    buffered, error = 0, "none"
    while buffered < max_bytes:
        try:
            s.sendall(req)
            reply = read_line(s, 60)
        except OSError as e:
            error = "send/recv: %s" % e
            break
        if reply is None:
            error = "closed"
            break
        if not reply.get("ok"):
            error = "%s %s" % (reply["error"]["code"], reply["error"]["message"])
            break
        buffered += per_request * line_bytes
    write_status(status_file, "buffered=%d error=%s" % (buffered, error))
    while True:
        time.sleep(3600)


def flood(path, count, status_file):
    version = b'{"v":1,"cmd":"version","args":{}}\n'
    window = 512  # requests in flight per connection: 18 KB, under tendd's bound (128 KiB)
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        socks.append(s)
    for s in socks:
        s.sendall(version * window)
    replies, last = 0, 0.0
    while True:
        readable, _, _ = select.select(socks, [], [], 1)
        for s in readable:
            chunk = s.recv(1 << 20)
            if not chunk:  # closed by tendd: the status file's count stops growing
                socks.remove(s)
                continue
            got = chunk.count(b"\n")
            replies += got
            # Each reply taken makes room for one more request: the socket never runs dry.
            if got:
                s.sendall(version * got)
        if time.monotonic() - last >= 1:
            last = time.monotonic()
            write_status(status_file, "replies=%d" % replies)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "conns":
        return conns(path, int(sys.argv[3]), sys.argv[4], sys.argv[5])
    if mode == "batch":
        return batch(path, int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    if mode == "flood":
        return flood(path, int(sys.argv[3]), sys.argv[4])
    print("unknown mode " + mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
