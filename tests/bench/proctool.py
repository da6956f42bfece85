#!/usr/bin/python3
"""/proc helpers shared by the tend benchmarks (no third-party modules).

  proctool.py tree ROOT [--exclude COMM,...]   pids of ROOT and all its descendants
  proctool.py count ROOT COMM                   descendants of ROOT whose comm is COMM
  proctool.py counters PID...                   "<ctxsw> <ticks>" summed over the pids
                                                (ctxsw: voluntary + nonvoluntary, summed
                                                over every thread; ticks: utime + stime)
  proctool.py pss PID...                        PSS in kB summed over the pids (smaps_rollup)
  proctool.py stats FILE                        "n median p90 p99 mean min max" (ms) of the
                                                numbers in FILE, one per line
  proctool.py latencies LOG [--skip N] [--limit M]          respawn latencies in ms from a probe log
                                                ("S ns" / "E ns" lines): S(n+1) - E(n)
  proctool.py startstart LOG [--skip N] [--limit M]         start-to-start intervals in ms: S(n+1) - S(n)
"""
import os
import sys


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def ppid_map():
    kids = {}
    comms = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        st = read(f'/proc/{d}/stat')
        if not st:
            continue
        # comm may contain spaces and parentheses: split at the last ')'
        r = st.rindex(')')
        comm = st[st.index('(') + 1:r]
        fields = st[r + 2:].split()
        ppid = int(fields[1])
        pid = int(d)
        comms[pid] = comm
        kids.setdefault(ppid, []).append(pid)
    return kids, comms


def descendants(root):
    kids, comms = ppid_map()
    out, stack = [], [root]
    while stack:
        p = stack.pop()
        if p not in comms and p != root:
            continue
        out.append(p)
        stack.extend(kids.get(p, []))
    return out, comms


def counters(pids):
    ctx = ticks = 0
    for p in pids:
        tasks = os.listdir(f'/proc/{p}/task') if os.path.isdir(f'/proc/{p}/task') else []
        for t in tasks:
            s = read(f'/proc/{p}/task/{t}/status') or ''
            for line in s.splitlines():
                if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                    ctx += int(line.split()[1])
        st = read(f'/proc/{p}/stat')
        if st:
            f = st[st.rindex(')') + 2:].split()
            ticks += int(f[11]) + int(f[12])  # utime, stime (fields 14, 15)
    return ctx, ticks


def pss(pids):
    total = 0
    for p in pids:
        s = read(f'/proc/{p}/smaps_rollup') or ''
        for line in s.splitlines():
            if line.startswith('Pss:'):
                total += int(line.split()[1])
    return total


def pct(sorted_vals, q):
    # nearest-rank percentile
    if not sorted_vals:
        return float('nan')
    import math
    k = max(1, math.ceil(q / 100.0 * len(sorted_vals)))
    return sorted_vals[k - 1]


def stats(vals):
    v = sorted(vals)
    if not v:
        return 'n=0'
    mean = sum(v) / len(v)
    return f'{len(v)} {pct(v, 50):.3f} {pct(v, 90):.3f} {pct(v, 99):.3f} {mean:.3f} {v[0]:.3f} {v[-1]:.3f}'


def parse_log(path):
    ev = []
    for line in (read(path) or '').splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ('S', 'E'):
            ev.append((parts[0], int(parts[1])))
    return ev


def main(argv):
    cmd = argv[1]
    if cmd == 'tree':
        root = int(argv[2])
        excl = set()
        if len(argv) > 4 and argv[3] == '--exclude':
            excl = set(argv[4].split(','))
        pids, comms = descendants(root)
        print(' '.join(str(p) for p in pids if comms.get(p) not in excl))
    elif cmd == 'count':
        root, comm = int(argv[2]), argv[3]
        pids, comms = descendants(root)
        print(sum(1 for p in pids if p != root and comms.get(p) == comm))
    elif cmd == 'counters':
        c, t = counters([int(p) for p in argv[2:]])
        print(c, t)
    elif cmd == 'pss':
        print(pss([int(p) for p in argv[2:]]))
    elif cmd == 'stats':
        vals = [float(x) for x in (read(argv[2]) or '').split()]
        print(stats(vals))
    elif cmd in ('latencies', 'startstart'):
        skip, limit = 0, None
        rest = argv[3:]
        while rest:
            if rest[0] == '--skip':
                skip = int(rest[1])
            elif rest[0] == '--limit':
                limit = int(rest[1])
            rest = rest[2:]
        ev = parse_log(argv[2])
        out = []
        last_e = last_s = None
        for tag, ns in ev:
            if tag == 'S':
                if cmd == 'latencies' and last_e is not None:
                    out.append((ns - last_e) / 1e6)
                if cmd == 'startstart' and last_s is not None:
                    out.append((ns - last_s) / 1e6)
                last_s, last_e = ns, None
            else:
                last_e = ns
        out = out[skip:]
        if limit is not None:
            out = out[:limit]
        for x in out:
            print(f'{x:.4f}')
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
