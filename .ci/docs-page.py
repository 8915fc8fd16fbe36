#!/usr/bin/env python3
"""The /docs page tried as a new user would, in headless Chromium (Debian's
`chromium`), over the Chrome DevTools Protocol.

    python3 .ci/docs-page.py http://127.0.0.1:PORT API_KEY OUT ADMIN_EMAIL ADMIN_PASSWORD

Loads /docs with no credential (the selector offers the admin API only),
types the key into "Authorize" (the page reloads with the key's services and
shows the first one, chinook), expands GET /chinook/_table/Album, presses
"Try it out" and "Execute", and checks that the answer is 200 with Album rows.
Then, with the browser's storage cleared, signs in as the admin through the
login's own "Try it out" and checks that the page now shows an admin's
chinook document (POST Album).
Chromium resolves no host but 127.0.0.1 (`--host-resolver-rules`) and every
request the page makes is recorded: one to any other origin fails the check.
Writes two screenshots: OUT-operations.png (chinook's operations) and
OUT-answer.png (the answer to "Execute"). Needs `websocket-client`
(PyPI) for the protocol's WebSocket.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

PORT = 9333


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        mine = self.next_id
        self.ws.send(json.dumps({"id": mine, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mine:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def js(self, expr):
        out = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expr}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def wait(self, expr, what, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            try:
                v = self.js(expr)
            except RuntimeError:
                v = None
            if v:
                return v
            time.sleep(0.25)
        self.shot("/tmp/docs-page-failed.png")
        raise SystemExit(f"FAILED: {what} (after {timeout} s; screenshot /tmp/docs-page-failed.png)")

    def click(self, selector, what):
        self.wait(f"!!document.querySelector({json.dumps(selector)})", what)
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        import base64

        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def main():
    base, key, out = sys.argv[1], sys.argv[2], sys.argv[3]
    email, password = sys.argv[4], sys.argv[5]
    profile = tempfile.mkdtemp()
    chromium = subprocess.Popen(
        [
            shutil.which("chromium") or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--remote-debugging-port={PORT}",
            f"--user-data-dir={profile}",
            "--window-size=1280,1600",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{PORT}/json"))
                pages = [t for t in targets if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("FAILED: chromium did not start")
        page = Page(pages[0]["webSocketDebuggerUrl"])
        page.call("Network.enable")
        page.call("Page.enable")
        page.call("Page.navigate", url=f"{base}/docs")

        # A newcomer: the admin API only, with its login.
        page.wait("document.querySelectorAll('.opblock').length > 0", "the admin API's operations")
        options = page.js("[...document.querySelectorAll('.topbar select option')].map(o => o.textContent)")
        print("selector without a credential:", options)
        assert options == ["admin API (system)"], options

        # Authorize with the key.
        page.click(".auth-wrapper .authorize", "the Authorize button")
        page.wait("!!document.querySelector('.dialog-ux')", "the Authorize dialog")
        box = """[...document.querySelectorAll('.auth-container')]
                 .find(c => c.textContent.includes('api_key_header'))"""
        page.wait(f"!!({box})", "the api_key_header scheme in the dialog")
        page.js(f"({box}).querySelector('input').focus()")
        page.call("Input.insertText", text=key)
        page.js(f"({box}).querySelector('button.authorize').click()")
        # The key reaches chinook: the page reloads with it in the selector
        # and shows it.
        page.wait(
            "[...document.querySelectorAll('.topbar select option')].some(o => o.textContent === 'chinook')",
            "chinook in the selector after Authorize",
        )
        page.wait("!!document.querySelector('#operations-Album-listRecords_Album')", "Album's operations")
        options = page.js("[...document.querySelectorAll('.topbar select option')].map(o => o.textContent)")
        print("selector with the key:", options)
        ops = page.js("[...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent)")
        print(f"operations shown: {len(ops)}")
        page.js("document.querySelector('#operations-tag-Album').scrollIntoView({block: 'start'})")
        time.sleep(0.5)
        page.shot(f"{out}-operations.png")

        # Try it out: GET Album.
        page.click("#operations-Album-listRecords_Album .opblock-summary-control", "GET Album")
        # The page opens operations ready to try (tryItOutEnabled); a
        # viewer without it shows "Try it out" first.
        op = "#operations-Album-listRecords_Album"
        page.wait(f"!!document.querySelector('{op} .try-out__btn')", "the Try it out button")
        if not page.js(f"!!document.querySelector('{op} .execute')"):
            page.click(f"{op} .try-out__btn", "Try it out")
        page.click("#operations-Album-listRecords_Album .execute", "Execute")
        status = page.wait(
            """(() => { const s = document.querySelector(
                 '#operations-Album-listRecords_Album .live-responses-table tbody .response-col_status');
               return s && s.textContent.trim(); })()""",
            "the answer to GET Album",
        )
        body = page.js(
            """document.querySelector('#operations-Album-listRecords_Album .live-responses-table .microlight')
                 .textContent"""
        )
        print("status:", status)
        rows = json.loads(body)["resource"]
        print(f"rows: {len(rows)}, first: {rows[0]}")
        assert status.startswith("200"), status
        assert rows and "AlbumId" in rows[0] and "Title" in rows[0], body[:300]
        page.js(f"document.querySelector('{op} .live-responses-table').scrollIntoView({{block: 'start'}})")
        time.sleep(0.5)
        page.shot(f"{out}-answer.png")
        print(f"screenshots: {out}-operations.png, {out}-answer.png")

        # An admin signs in from the page itself: "Try it out" on the login
        # stores the answered session, and the page reloads with it.
        page.js("localStorage.clear()")
        page.call("Page.navigate", url=f"{base}/docs/")
        login = "#operations-session-session_login"
        page.click(f"{login} .opblock-summary-control", "POST /admin/session")
        page.wait(f"!!document.querySelector('{login} textarea')", "the login's body")
        page.js(f"document.querySelector('{login} textarea').select()")
        page.call("Input.insertText", text=json.dumps({"email": email, "password": password}))
        page.click(f"{login} .execute", "Execute the login")
        page.wait(
            "(JSON.parse(localStorage.getItem('authorized') || '{}').session || {}).value",
            "the session stored after the login",
        )
        # The page stays on the admin API's document; chinook is offered.
        page.wait(
            "[...document.querySelectorAll('.topbar select option')].some(o => o.textContent === 'chinook')",
            "chinook in the selector after the login",
        )
        page.js(
            """(() => { const s = document.querySelector('.topbar select');
                 const o = [...s.options].find(o => o.textContent === 'chinook');
                 s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); })()"""
        )
        page.wait("!!document.querySelector('#operations-Album-createRecords_Album')", "an admin's POST Album")
        print("signed in from the page: chinook's document now has POST Album")

        # Every request the page made went to this server.
        urls = {
            e["params"]["request"]["url"]
            for e in page.events
            if e.get("method") == "Network.requestWillBeSent"
        }
        foreign = sorted(u for u in urls if not (u.startswith(base) or u.startswith("data:")))
        print(f"requests: {len(urls)} distinct, to another origin: {foreign}")
        assert not foreign, foreign
        print("OK")
    finally:
        chromium.kill()
        chromium.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
