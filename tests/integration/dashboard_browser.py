#!/usr/bin/python3
"""The dashboard in one headless Chromium (test_dashboard.sh): every page loads with no SEVERE
console entry, shows what the CLI's JSON says, a job submitted later appears without a reload,
and each page leaves a screenshot in the artifacts dir.

Usage: dashboard_browser.py BASE TOKEN ARTIFACTS TEND_CMD...
  BASE       http://127.0.0.1:PORT of the tendd under test
  TOKEN      its [http] token (sent as a bearer token on every request the browser makes)
  ARTIFACTS  directory for the screenshots
  TEND_CMD   the `tend` command line that talks to the same tendd (for the JSON to compare)
Exit 77 when selenium or chromedriver is missing, 1 on a failed check."""
import json
import os
import shutil
import subprocess
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("dashboard_browser: SKIPPED: python3-selenium is not installed")
    sys.exit(77)

BASE, TOKEN, ARTIFACTS = sys.argv[1:4]
TEND = sys.argv[4:]
T0 = time.monotonic()


def say(msg):
    print(f"dashboard_browser: [{time.monotonic() - T0:6.2f}s] {msg}", flush=True)


def fail(msg):
    print(f"dashboard_browser: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def tend(*args):
    out = subprocess.run(TEND + list(args), capture_output=True, text=True, timeout=20)
    if out.returncode not in (0, 3):
        fail(f"tend {' '.join(args)}: exit {out.returncode}: {out.stderr}")
    return out.stdout


def tend_json(*args):
    return json.loads(tend(*args, "--json"))


# The page redraws itself every 2 s, so elements found in one call may be gone in the next:
# each read is one script run, atomic with respect to the page's own updates.
def rows(d, css):
    """The cells' texts of the rows `css` selects."""
    return d.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]),"
        " r => Array.from(r.cells, c => c.textContent.trim()))", css)


def texts(d, css):
    return d.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent.trim())", css)


def count(d, css):
    return d.execute_script("return document.querySelectorAll(arguments[0]).length", css)


def wait(d, what, cond, timeout=5):
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.05).until(lambda d: cond(d))
    except Exception:  # a timeout, or the page went away
        shot = os.path.join(ARTIFACTS, "failure.png")
        d.save_screenshot(shot)
        fail(f"timed out after {timeout}s waiting for {what} (screenshot {shot})")


def updated(d):
    return texts(d, "#status")[0].startswith("updated")


def page(d, path, name, ready):
    """Loads `path`, waits for its data and for `ready`, checks the console, saves a shot."""
    d.get(BASE + path)
    wait(d, f"{path}: #status says updated", updated)
    wait(d, f"{path}: its content", ready)
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    d.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))
    if severe:
        fail(f"{path}: console errors: {severe}")
    say(f"{path}: loaded, no console errors, {name}.png")


def main():
    if not shutil.which("chromedriver") or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("dashboard_browser: SKIPPED: chromium or chromium-driver is not installed")
        sys.exit(77)
    os.makedirs(ARTIFACTS, exist_ok=True)
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800",
              "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(options=opts)
    try:
        say("browser started")
        # The token on every request the page makes, as a script would send it.
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                          {"headers": {"Authorization": "Bearer " + TOKEN}})

        status = tend_json("status")
        queues = tend_json("queues")
        programs = sorted({i["program"] for i in status})
        queue_names = sorted(q["name"] for q in queues)

        # Overview: the config's programs and queues, a chart.
        page(d, "/", "overview", lambda d: count(d, "#queues tbody tr"))
        shown_queues = texts(d, "#queues tbody tr td:first-child")
        if sorted(shown_queues) != queue_names:
            fail(f"overview queues {shown_queues}, tend queues says {queue_names}")
        shown = sorted(texts(d, "#programs tbody tr td:first-child"))
        if shown != programs:
            fail(f"overview programs {shown}, tend status says {programs}")
        if not count(d, "#chart polyline"):
            fail("overview: no chart")
        up = sum(1 for i in status if i["pid"] is not None)
        cards = " ".join(texts(d, ".cards .card"))
        if f"{up} / {len(status)}" not in cards:
            fail(f"overview cards {cards!r} do not say {up} / {len(status)} instances up")

        # Programs: one row per instance of `tend status`, same states and pids.
        page(d, "/programs", "programs",
             lambda d: count(d, "#status tbody tr:not(.group)") == len(status))
        shown = {r[0]: r for r in rows(d, "#status tbody tr:not(.group)")}
        for i in status:
            want = f"{i['program']}:{i['instance']}"
            if want not in shown:
                fail(f"/programs: no row for {want}")
            cells = shown[want]
            if cells[1] != i["state"]:
                fail(f"/programs: {want} shows {cells[1]}, tend status says {i['state']}")
            pid = "–" if i["pid"] is None else str(i["pid"])
            if cells[2] != pid:
                fail(f"/programs: {want} shows pid {cells[2]}, tend status says {pid}")
        page(d, "/programs/" + programs[0], "program", lambda d: count(d, "#status tbody tr"))

        # Queues: every queue with its charts.
        page(d, "/queues", "queues",
             lambda d: count(d, "#queues tbody tr") == len(queue_names))
        if count(d, "#queue-charts svg.chart") != 3 * len(queue_names):
            fail("/queues: not three charts per queue")

        # Cron: the entries of `tend cron list`.
        cron = tend_json("cron", "list")
        page(d, "/cron", "cron",
             lambda d: count(d, "#cron tbody tr") == len(cron))
        if sorted(texts(d, "#cron tbody tr td:first-child")) != sorted(c["name"] for c in cron):
            fail("/cron: entries differ from tend cron list")

        # Jobs: the page is open; a job submitted now appears without a reload.
        page(d, "/jobs", "jobs", lambda d: count(d, "#jobs"))
        d.execute_script("window.__same_page = 1")
        job = tend("submit", "--queue", queue_names[0], "--name", "from-the-test", "--",
                   "sh", "-c", "echo hello from the dashboard test").strip()
        say(f"submitted job {job}")
        wait(d, f"job {job} on /jobs without a reload",
             lambda d: job in texts(d, "#jobs tbody tr td:first-child"))
        if d.execute_script("return window.__same_page") != 1:
            fail("/jobs was reloaded")
        subprocess.run(TEND + ["wait", job], capture_output=True, timeout=20)
        wait(d, f"job {job} shown succeeded",
             lambda d: [job, "succeeded"] in [r[:2] for r in rows(d, "#jobs tbody tr")])

        # Job detail: tend show's state, and the output tail.
        page(d, "/jobs/" + job, "job",
             lambda d: "hello from the dashboard test" in " ".join(texts(d, "#log")))
        shown_state = texts(d, "#job dd")[0]
        if shown_state != tend_json("show", job)["state"]:
            fail(f"/jobs/{job}: state {shown_state}")
    finally:
        d.quit()
    say(f"screenshots in {ARTIFACTS}")


main()
