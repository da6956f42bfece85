#!/usr/bin/env python3
"""Raw protocol client for tend's integration tests (not a test itself).

  rawclient.py exchange SOCK [--expect N] [--hex]
      Sends stdin as it is (bytes, as it arrives), then prints each reply line the daemon sends until N
      lines came (default 1) or the daemon closes the connection, which prints "<EOF>".
      Gives up after 10 s ("<TIMEOUT>", exit 3).
  rawclient.py oneshot SOCK [COUNT]
      Sends stdin on COUNT connections (default 1) and closes each at once.
  rawclient.py batch SOCK
      For each line of stdin: a new connection, the line (with its newline) sent, one reply
      line read and printed (or "<EOF>" / "<TIMEOUT>").
  rawclient.py stall SOCK READY_FILE [PAYLOAD]
      Connects, sends PAYLOAD (may be empty; "\\n" is not added), creates READY_FILE and
      then does nothing at all until killed, never reading.
  rawclient.py flood SOCK READY_FILE COUNT
      Sends COUNT status requests and never reads a reply; then waits until killed.
"""
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def exchange(path, expect):
    s = connect(path)
    # Stdin is passed on as it arrives, so a writer can split a request in time.
    try:
        while True:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            s.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        print("<SEND-FAILED>", file=sys.stderr)
    s.settimeout(0.2)
    buf = b""
    lines = 0
    deadline = time.monotonic() + 10
    while lines < expect:
        if time.monotonic() > deadline:
            print("<TIMEOUT>")
            return 3
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            if buf:
                print(buf.decode("utf-8", "replace"))
            print("<EOF>")
            return 0
        buf += chunk
        while b"\n" in buf and lines < expect:
            line, buf = buf.split(b"\n", 1)
            print(line.decode("utf-8", "replace"))
            lines += 1
    # Was the connection closed right after the replies? Look briefly.
    s.settimeout(0.3)
    try:
        if s.recv(1) == b"":
            print("<EOF>")
    except (socket.timeout, ConnectionResetError):
        pass
    sys.stdout.flush()
    return 0


def stall(path, ready, payload):
    s = connect(path)
    if payload:
        s.sendall(payload.encode())
    open(ready, "w").close()
    while True:
        time.sleep(3600)


def flood(path, ready, count):
    s = connect(path)
    req = b'{"v":1,"cmd":"status","args":{}}\n'
    sent = 0
    s.setblocking(False)
    deadline = time.monotonic() + 5
    try:
        while sent < count and time.monotonic() < deadline:
            try:
                s.send(req)
                sent += 1
            except BlockingIOError:
                time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        pass
    with open(ready, "w") as f:
        f.write(str(sent))
    while True:
        time.sleep(3600)


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "exchange":
        expect = 1
        if "--expect" in sys.argv:
            expect = int(sys.argv[sys.argv.index("--expect") + 1])
        return exchange(path, expect)
    if cmd == "oneshot":
        data = sys.stdin.buffer.read()
        count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        socks = []
        for _ in range(count):
            s = connect(path)
            s.sendall(data)
            socks.append(s)
        for s in socks:
            s.close()
        return 0
    if cmd == "batch":
        for line in sys.stdin.buffer.read().split(b"\n"):
            if not line:
                continue
            s = connect(path)
            s.sendall(line + b"\n")
            s.settimeout(10)
            buf = b""
            try:
                while b"\n" not in buf:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
            except socket.timeout:
                print("<TIMEOUT>")
                continue
            finally:
                s.close()
            print(buf.split(b"\n")[0].decode("utf-8", "replace") if b"\n" in buf else "<EOF>")
        return 0
    if cmd == "stall":
        return stall(path, sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
    if cmd == "flood":
        return flood(path, sys.argv[3], int(sys.argv[4]))
    print("unknown mode " + cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
