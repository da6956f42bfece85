#!/usr/bin/env python3
"""A Unix-socket relay between one tendd host and PostgreSQL, to cut that host off.

pg_hosts_proxy.py LISTEN_DIR SERVER_SOCKET: listens on LISTEN_DIR/.s.PGSQL.5432 (so a libpq
URL with host=LISTEN_DIR reaches it) and relays every connection to SERVER_SOCKET, in one
process and one thread. `kill -STOP` of this process cuts the host off the database the way a
network partition does: bytes already sent wait unanswered, and new connections are accepted by
the kernel (the listen backlog) but never answered, so a reconnect does not help either.
`kill -CONT` heals the partition. Prints "ready" once it listens.
"""
import os
import selectors
import socket
import sys

listen_dir, server = sys.argv[1], sys.argv[2]
path = os.path.join(listen_dir, ".s.PGSQL.5432")
try:
    os.unlink(path)
except FileNotFoundError:
    pass
lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lsock.bind(path)
lsock.listen(128)
lsock.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(lsock, selectors.EVENT_READ, None)
peer = {}  # socket -> the socket it relays to


def close(s):
    for x in (s, peer.pop(s, None)):
        if x is None:
            continue
        peer.pop(x, None)
        try:
            sel.unregister(x)
        except (KeyError, ValueError):
            pass
        x.close()


print("ready", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is lsock:
            try:
                client, _ = lsock.accept()
            except BlockingIOError:
                continue
            client.setblocking(True)
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(server)
            except OSError:
                client.close()
                upstream.close()
                continue
            peer[client], peer[upstream] = upstream, client
            for x in (client, upstream):
                sel.register(x, selectors.EVENT_READ, None)
            continue
        if s not in peer:
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close(s)
            continue
        try:
            # Blocking send: PostgreSQL messages are small and the peer reads promptly; a relay
            # that blocks here only slows this one host down.
            peer[s].sendall(data)
        except OSError:
            close(s)
