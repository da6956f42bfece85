#!/usr/bin/env python3
"""Constant HTTP load for tend's deploy tests (not a test itself).

  load_client.py URL STOPFILE [THREADS]

THREADS (default 4) loops each GET URL, one request per connection, back to back, until
STOPFILE exists. Any refused/reset connection, timeout (5 s) or non-2xx answer is a failure.
Prints one JSON line at the end: {"ok": N, "failed": N, "errors": {...}, "bodies": {...}}
where bodies counts the distinct answers' "gen G" words (which generation served).
"""
import collections
import json
import os
import sys
import threading
import urllib.request

url, stopfile = sys.argv[1], sys.argv[2]
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 4
lock = threading.Lock()
counts = {"ok": 0, "failed": 0}
errors = collections.Counter()
bodies = collections.Counter()


def worker():
    while not os.path.exists(stopfile):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = r.read().decode(errors="replace")
            words = body.split()
            gen = words[words.index("gen") + 1] if "gen" in words else body.strip()[:40]
            with lock:
                counts["ok"] += 1
                bodies[gen] += 1
        except Exception as e:  # every failure counts; the kind is reported
            with lock:
                counts["failed"] += 1
                errors[type(e).__name__ + ": " + str(e)[:80]] += 1


ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts:
    t.start()
# Say that the load runs (the test waits for this line before it deploys).
print("started", flush=True)
for t in ts:
    t.join()
print(json.dumps({**counts, "errors": dict(errors), "bodies": dict(bodies)}), flush=True)
