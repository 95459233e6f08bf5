#!/usr/bin/env python3
"""Open a hepframe report.html in a real headless Chromium and check it as a reader would:
the page loads without console errors or exceptions, every image shows (decoded, with a
width), and clicking a column head sorts the table (ascending, then descending).

Drives Chromium over the DevTools protocol (websocket-client). usage:
    check_report.py REPORT.html [CHROMIUM]
Prints a JSON summary; exits 1 if a check fails.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import websocket


def main():
    report = os.path.abspath(sys.argv[1])
    browser = sys.argv[2] if len(sys.argv) > 2 else (
        shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome"))
    if not browser:
        sys.exit("no Chromium found")
    profile = tempfile.mkdtemp(prefix="hepframe-chromium-")
    proc = subprocess.Popen(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        print(json.dumps(check(report, profile)))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def check(report, profile):
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.time() + 30
    while not os.path.exists(port_file) or not open(port_file).read().strip():
        if time.time() > deadline:
            sys.exit("Chromium did not start its DevTools server within 30 s")
        time.sleep(0.1)
    port = open(port_file).read().split()[0]
    import urllib.request

    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
    page = next(t for t in targets if t["type"] == "page")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
    events, next_id = [], [0]

    def call(method, **params):
        next_id[0] += 1
        ws.send(json.dumps({"id": next_id[0], "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == next_id[0]:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            events.append(msg)

    def evaluate(js):
        r = call("Runtime.evaluate", expression=js, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{js}: {r['exceptionDetails']}")
        return r["result"].get("value")

    call("Runtime.enable")
    call("Log.enable")
    call("Page.enable")
    call("Page.navigate", url="file://" + report)
    deadline = time.time() + 30
    while not any(e.get("method") == "Page.loadEventFired" for e in events):
        if time.time() > deadline:
            sys.exit("the page did not load within 30 s")
        events.append(json.loads(ws.recv()))
    images = evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    tables = evaluate("document.querySelectorAll('table.sortable').length")
    # Sort the first table by its second column (events), twice.
    column = ("Array.from(document.querySelector('table.sortable').tBodies[0].rows)"
              ".map(r => parseFloat(r.cells[1].textContent))")
    before = evaluate(column)
    evaluate("document.querySelector('table.sortable th:nth-child(2)').click()")
    up = evaluate(column)
    evaluate("document.querySelector('table.sortable th:nth-child(2)').click()")
    down = evaluate(column)
    time.sleep(0.2)
    ws.settimeout(0.5)
    try:
        while True:
            events.append(json.loads(ws.recv()))
    except websocket.WebSocketTimeoutException:
        pass
    errors = [e["params"] for e in events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    summary = {"images": images, "tables": tables, "before": before, "ascending": up,
               "descending": down, "errors": errors}
    ok = (not errors and images and all(c and w > 0 for c, w, _ in images) and tables > 0
          and up == sorted(before) and down == sorted(before, reverse=True))
    if not ok:
        print(json.dumps(summary, indent=1), file=sys.stderr)
        sys.exit(1)
    return summary


if __name__ == "__main__":
    main()
