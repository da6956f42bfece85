#!/usr/bin/env python3
"""Socket activation as systemd does it, for tend's integration tests (not a test itself).

  activate.py NAME=unix:PATH|NAME=tcp:HOST:PORT... -- CMD [ARGS...]

Binds and listens on each socket, puts them at fds 3, 4, ... in the order given, sets
LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (this pid, which exec keeps) and execs CMD.
"""
import os
import socket
import sys

args = sys.argv[1:]
split = args.index("--")
specs, cmd = args[:split], args[split + 1:]
socks, names = [], []
for spec in specs:
    name, addr = spec.split("=", 1)
    kind, rest = addr.split(":", 1)
    if kind == "unix":
        if os.path.exists(rest):
            os.unlink(rest)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(rest)
        os.chmod(rest, 0o600)
    else:
        host, port = rest.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
    s.listen(64)
    socks.append(s)
    names.append(name)
# Out of the way first (the sockets may already sit at 3, 4, ...), then into place; dup2
# makes the copies inheritable.
high = [os.dup(s.fileno()) for s in socks]
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i)
    os.set_inheritable(3 + i, True)
env = dict(os.environ, LISTEN_FDS=str(len(socks)), LISTEN_FDNAMES=":".join(names),
           LISTEN_PID=str(os.getpid()))
os.execvpe(cmd[0], cmd, env)
