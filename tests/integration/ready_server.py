#!/usr/bin/env python3
"""A tiny HTTP server for tend's readiness and socket tests (not a test itself).

  ready_server.py [--port N | --listen-fds] [--gate FILE] [--notify] [--status TEXT]
                  [--crash-after SECONDS]

  --port N        listen on 127.0.0.1:N itself
  --listen-fds    take the listener from socket activation: fd 3, with LISTEN_FDS=1 and
                  LISTEN_PID equal to this process's pid (else exit 3)
  --gate FILE     before listening (or before READY=1), wait until FILE exists
  --notify        send READY=1 to NOTIFY_SOCKET once ready (after the gate)
  --status TEXT   send STATUS=TEXT to NOTIFY_SOCKET at start, before the gate
  --crash-after S exit 3 this many seconds after it is ready (a release that says READY=1
                  and then dies), between two requests: nothing it accepted is dropped

Every GET answers 200 "instance N pid P gen G\\n" (N = TEND_INSTANCE, G = $GEN or "-"), one
request per connection (HTTP/1.0). On SIGTERM it finishes the request in hand and exits without
accepting more: connections still queued on a listener shared with other instances (socket
activation) are theirs to answer, so a rolling restart refuses nothing.
"""
import http.server
import os
import signal
import socket
import sys
import time


def notify(message):
    addr = os.environ.get("NOTIFY_SOCKET", "")
    if not addr:
        sys.exit("ready_server: no NOTIFY_SOCKET")
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(message.encode(), addr)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (f"instance {os.environ.get('TEND_INSTANCE', '?')} pid {os.getpid()} "
                f"gen {os.environ.get('GEN', '-')}\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# SIGTERM while idle (waiting in select) exits at once; while a connection is being accepted
# or answered, the answer is finished first. Nothing accepted is ever dropped.
state = {"busy": False, "stop": False}


def on_term(*_):
    state["stop"] = True
    if not state["busy"]:
        raise SystemExit(0)


class Server(http.server.HTTPServer):
    def get_request(self):
        state["busy"] = True
        return super().get_request()


def main():
    args = sys.argv[1:]
    opts = {}
    while args:
        a = args.pop(0)
        opts[a] = args.pop(0) if a in ("--port", "--gate", "--status", "--crash-after") else True
    if "--status" in opts:
        notify("STATUS=" + opts["--status"])
    gate = opts.get("--gate")
    while gate and not os.path.exists(gate):
        time.sleep(0.02)
    if "--listen-fds" in opts:
        if os.environ.get("LISTEN_PID") != str(os.getpid()) or os.environ.get("LISTEN_FDS") != "1":
            print(f"bad socket activation: LISTEN_PID={os.environ.get('LISTEN_PID')} "
                  f"LISTEN_FDS={os.environ.get('LISTEN_FDS')} pid={os.getpid()}", flush=True)
            sys.exit(3)
        print(f"LISTEN_FDNAMES={os.environ.get('LISTEN_FDNAMES')}", flush=True)
        sock = socket.socket(fileno=3)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", int(opts["--port"])))
        sock.listen(64)
    # A short accept timeout: with several instances on one listener a peer may take the
    # connection that woke us; a blocking accept() would wait for the next one.
    sock.settimeout(0.5)
    server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.socket = sock
    signal.signal(signal.SIGTERM, on_term)
    if "--notify" in opts:
        notify("READY=1\nSTATUS=serving")
    server.timeout = None  # wait in select() until a connection or a signal
    crash_at = None
    if "--crash-after" in opts:
        crash_at = time.monotonic() + float(opts["--crash-after"])
        server.timeout = 0.05  # wake up to crash on time even without requests
    while not state["stop"]:
        if crash_at is not None and time.monotonic() >= crash_at:
            print("crashing on purpose (--crash-after)", flush=True)
            sys.exit(3)
        server.handle_request()
        state["busy"] = False

main()
