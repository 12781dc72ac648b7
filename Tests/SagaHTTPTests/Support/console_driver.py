"""Drives the saga console in headless Chromium over the DevTools protocol.

Starts a saga from the page and waits for it to complete live (over SSE), starts one that
waits on a participant, pauses it, cancels it and waits for it to compensate, then saves a
screenshot. Fails on any script error the page reports. Prints one JSON object.
"""
import base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.request
import websocket

url, screenshot, chromium = sys.argv[1], sys.argv[2], sys.argv[3]
profile = tempfile.mkdtemp(prefix="saga-console-")
browser = subprocess.Popen(
    [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
     "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,1000", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
result = {"ok": False, "errors": [], "steps": []}


def fail(message):
    raise RuntimeError(message)


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0

    def handle(self, message):
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            result["errors"].append("exception: " + (details.get("exception", {}).get("description") or details.get("text", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            result["errors"].append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            # A stream the server closes at shutdown is not a page error.
            if "/v1/events" not in entry.get("url", ""):
                result["errors"].append("log: " + entry.get("text", "") + " " + entry.get("url", ""))

    def send(self, method, params=None):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail(method + ": " + json.dumps(message["error"]))
                return message.get("result", {})
            self.handle(message)

    def eval(self, expression):
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            fail("evaluating " + expression + ": " + json.dumps(answer["exceptionDetails"]))
        return answer.get("result", {}).get("value")

    def wait(self, what, expression, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.eval(expression)
            if value:
                result["steps"].append(what)
                return value
            if result["errors"]:
                fail("a script error while waiting for " + what)
            time.sleep(0.2)
        fail("timed out after %ss waiting for %s (page state: %s)" % (timeout, what, self.eval(
            "JSON.stringify({detail: document.querySelector('#detail').dataset, error: document.querySelector('#error').textContent, "
            "title: document.querySelector('#detail-title').textContent, "
            "timeline: Array.from(document.querySelectorAll('#timeline li')).map((li) => li.textContent)})")))


try:
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.time() + 30
    while not os.path.exists(port_file) or not open(port_file).read().strip():
        if time.time() > deadline:
            fail("chromium did not open its DevTools port")
        time.sleep(0.1)
    port = open(port_file).read().split()[0]
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
    page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
    for domain in ("Runtime", "Page", "Log"):
        page.send(domain + ".enable")
    page.send("Page.navigate", {"url": url})
    page.wait("the console loaded", "document.body && document.body.dataset.ready === 'true'", 30)

    # Start a saga from the page; it completes, and the page shows it live.
    page.eval("""document.querySelector('#start-key').value = 'console-done';
                 document.querySelector('#start-payload').value = '{"from":"console"}';
                 document.querySelector('#start button').click(); true""")
    first = page.wait("the start was accepted", "document.querySelector('#start-result').dataset.sagaId")
    page.wait("the saga completed, seen live",
              "document.querySelector('#detail').dataset.state === 'completed' && !!document.querySelector('#timeline li[data-event=sagaCompleted]')")
    page.wait("the list shows it completed", "!!document.querySelector('#sagas tr[data-id=\"%s\"][data-state=completed]')" % first)

    # One that waits on a participant: pause it, then cancel it; it compensates.
    page.eval("""document.querySelector('#start-key').value = 'console-held';
                 document.querySelector('#start-payload').value = '{"hold":true}';
                 document.querySelector('#start button').click(); true""")
    page.wait("the second start was accepted", "document.querySelector('#start-result').dataset.sagaId !== '%s' && document.querySelector('#start-result').dataset.sagaId" % first)
    page.wait("it waits on its charge step", "!!document.querySelector('#steps tr[data-step=charge]') && document.querySelector('#steps tr[data-step=charge] td:nth-child(2)').textContent === 'in-flight'")
    page.eval("document.querySelector('#controls button[data-action=pause]').click(); true")
    page.wait("it is paused", "document.querySelector('#detail').dataset.paused === 'true' && !!document.querySelector('#timeline li[data-event=paused]')")
    page.eval("document.querySelector('#controls button[data-action=cancel]').click(); true")
    # A paused saga turns around but sends nothing until resumed.
    page.wait("the cancelled saga turned around", "document.querySelector('#detail').dataset.state === 'compensating'")
    page.eval("document.querySelector('#controls button[data-action=resume]').click(); true")
    page.wait("the cancelled saga compensated once resumed", "document.querySelector('#detail').dataset.state === 'compensated'")

    page.send("Page.navigate", {"url": url})
    page.wait("the console reloaded", "document.body && document.body.dataset.ready === 'true'", 30)
    page.wait("the counts show both", "document.querySelector('.count[data-state=completed] b').textContent === '1' && document.querySelector('.count[data-state=compensated] b').textContent === '1'")
    page.eval("document.querySelector('#sagas tbody tr').click(); true")
    page.wait("a saga's detail shown", "!document.querySelector('#detail').hidden && document.querySelectorAll('#timeline li').length > 3")
    page.wait("the detail's timeline is numbered from the store's history",
              "document.querySelector('#timeline li').dataset.sequence === '1'")

    # The cluster view: this instance with both partitions, the participants' topics, the
    # finished sagas of the last minute and the step latencies.
    page.eval("document.querySelector('nav button[data-view=cluster]').click(); true")
    page.wait("the cluster view loaded", "!!document.querySelector('#view-cluster').dataset.loaded && !document.querySelector('#view-cluster').hidden")
    page.wait("the cluster view lists this instance", "Array.from(document.querySelectorAll('#instances tr[data-instance] td:first-child')).some((td) => td.textContent.endsWith('(this one)'))")
    page.wait("every partition owned", "document.querySelectorAll('#partitions tr[data-partition]').length === 2 && !document.querySelector('#partitions tr.unowned')")
    page.wait("both participant topics shown", "!!document.querySelector('#participants tr[data-topic=\"participant.inventory\"]') && !!document.querySelector('#participants tr[data-topic=\"participant.payment\"]')")
    page.wait("the participants' group and its lag shown", "!!document.querySelector('#participants tr[data-group]')")
    page.wait("two sagas finished in the last minute", "document.querySelector('#finished tr[data-window=lastMinute] td:nth-child(2)').textContent === '2'")
    page.wait("pending-phase latencies shown", "!!document.querySelector('#latency tr[data-phase=pending]')")
    shot = page.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(screenshot, "wb") as out:
        out.write(base64.b64decode(shot["data"]))
    result["steps"].append("screenshot saved")
    page_error = page.eval("document.body.dataset.scriptError || ''")
    if page_error:
        result["errors"].append(page_error)
    result["ok"] = not result["errors"]
except Exception as error:
    result["errors"].append(str(error))
finally:
    browser.kill()
    browser.wait()
    shutil.rmtree(profile, ignore_errors=True)
print(json.dumps(result))
sys.exit(0 if result["ok"] else 1)
