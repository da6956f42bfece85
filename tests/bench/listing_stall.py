#!/usr/bin/env python3
# The prober of bench_listing_stall.sh: times `status` requests while listers pull the whole
# job list, so a loop turn that does too much work shows as status latency.
#
#   listing_stall.py SOCKET SECONDS OUTDIR -- TEND_CMD...
#
# Every ~50 ms it sends a `status` request over a new connection and writes the round trip
# (ms, connect to reply) to OUTDIR/status_proto; every fourth tick it also runs
# `TEND_CMD status` and writes its wall time (process start-up included) to
# OUTDIR/status_cli. The listers are separate processes (started by the script), so nothing
# here competes with the prober for Python's interpreter lock.
import json
import os
import socket
import subprocess
import sys
import time


def status_rtt(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    t0 = time.monotonic()
    s.connect(path)
    s.sendall(b'{"v":1,"cmd":"status","args":{}}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    ms = (time.monotonic() - t0) * 1000
    s.close()
    if not json.loads(buf).get("ok"):
        sys.exit("status failed: %r" % buf[:200])
    return ms


def main():
    sock, seconds, outdir = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    proto = open(os.path.join(outdir, "status_proto"), "w")
    cli = open(os.path.join(outdir, "status_cli"), "w")
    end = time.monotonic() + seconds
    tick = 0
    while time.monotonic() < end:
        proto.write("%.3f\n" % status_rtt(sock))
        if tick % 4 == 0:
            t0 = time.monotonic()
            subprocess.run(cmd + ["status"], stdout=subprocess.DEVNULL, check=True)
            cli.write("%.3f\n" % ((time.monotonic() - t0) * 1000))
        tick += 1
        time.sleep(0.05)


if __name__ == "__main__":
    main()
