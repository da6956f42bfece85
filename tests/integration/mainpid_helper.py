#!/usr/bin/env python3
"""Hands an instance's main process over with MAINPID= (for test_mainpid.sh; not a test).

  mainpid_helper.py fork-exit CMD...   fork CMD, send MAINPID=<its pid> READY=1, exit 0
  mainpid_helper.py fork-wait CMD...   the same, then stay and reap CMD (its real parent)
  mainpid_helper.py claim PID CMD...   send MAINPID=PID READY=1, then exec CMD

The message goes from this process, the instance's main process, to NOTIFY_SOCKET.
"""
import os
import socket
import sys


def notify(message):
    addr = os.environ["NOTIFY_SOCKET"]
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(message.encode(), addr)


mode, args = sys.argv[1], sys.argv[2:]
if mode == "claim":
    notify(f"MAINPID={args[0]}\nREADY=1")
    os.execvp(args[1], args[1:])
child = os.fork()
if child == 0:
    os.execvp(args[0], args)
notify(f"MAINPID={child}\nREADY=1")
if mode == "fork-wait":
    os.waitpid(child, 0)
