#!/usr/bin/env python3
"""Binds a Unix datagram socket and appends each datagram received to a file, one record per
datagram, separated by a line '--'. Used as a stand-in for systemd's NOTIFY_SOCKET and for
journald's socket. Also records the sender's pid (SCM_CREDENTIALS) as a 'SENDER_PID=' line."""
import os
import socket
import struct
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
with open(out + ".ready", "w"):
    pass
while True:
    data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(12))
    pid = 0
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    with open(out, "ab") as f:
        f.write(data.rstrip(b"\n") + b"\nSENDER_PID=%d\n--\n" % pid)
        f.flush()
        os.fsync(f.fileno())
