#!/usr/bin/env python3
"""Holds HTTP connections open against tendd's HTTP server: STALLED half-sent requests (the
request line and part of the headers, never the blank line) and SLOW clients that send a whole
request and never read the answer. Prints "ready N" once all are connected and the data sent,
then sleeps until killed. Usage: http_stall.py HOST PORT STALLED SLOW"""
import socket
import sys
import time

host, port, stalled, slow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
held = []
refused = 0
for i in range(stalled + slow):
    try:
        s = socket.create_connection((host, port), timeout=5)
        if i >= stalled:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        if i < stalled:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        else:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 50)
        held.append(s)
    except OSError:  # tendd closed it: over its connection limits
        refused += 1
print("ready", len(held), "refused", refused, flush=True)
while True:
    time.sleep(60)
