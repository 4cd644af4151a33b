"""A small WebDriver BiDi client for Debian's Firefox (firefox-esr), for the board's tests.

Firefox speaks WebDriver BiDi itself when started with `--remote-debugging-port`: no
geckodriver and no downloaded browser. The commands are the W3C spec's
(https://w3c.github.io/webdriver-bidi/), sent over one WebSocket (`websocket-client`).
"""
import base64
import itertools
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import websocket

from tests.live import stop_process

FIREFOX = "/usr/bin/firefox-esr"
# Keep the browser off the network by itself: no update, telemetry, experiments, remote
# settings (pointed at a closed loopback port), safe-browsing lists or connectivity probes.
PREFS = {"app.update.disabledForTesting": True, "app.normandy.enabled": False,
         "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.server": "",
         "messaging-system.rsexperimentloader.enabled": False,
         "services.settings.server": "http://127.0.0.1:9",
         "browser.safebrowsing.update.enabled": False,
         "network.captive-portal-service.enabled": False,
         "network.connectivity-service.enabled": False}


class BidiError(RuntimeError):
    """A command answered with an error, or a script threw."""


def value(remote: dict):
    """The Python value of a BiDi RemoteValue (primitives, arrays, plain objects)."""
    kind = remote["type"]
    if kind in ("undefined", "null"):
        return None
    if kind == "array":
        return [value(item) for item in remote["value"]]
    if kind == "object":
        return {key: value(item) for key, item in remote["value"]}
    return remote.get("value")


class Firefox:
    """Headless firefox-esr on a new profile in `profile`, with one BiDi session.

    Start it with `Firefox(profile)`; `close()` ends it (SIGKILL if it does not exit);
    RuntimeError if it does not start listening within `seconds`.
    """

    def __init__(self, profile: Path, seconds: float = 60):
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text("".join(
            f"user_pref({json.dumps(name)}, {json.dumps(setting)});\n"
            for name, setting in PREFS.items()))
        self.log_path = profile.with_name(f"{profile.name}.log")
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [FIREFOX, "--headless", "--no-remote", "--profile", str(profile),
                 "--remote-debugging-port=0", "about:blank"],
                stdout=log, stderr=subprocess.STDOUT)
        try:
            self.socket = websocket.create_connection(f"{self._address(seconds)}/session",
                                                      timeout=30, suppress_origin=True)
            self.command("session.new", capabilities={})
        except Exception:
            stop_process(self.process, signal.SIGKILL)
            raise

    def _address(self, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)",
                              self.log_path.read_text(errors="replace"))
            if found:
                return found[1]
            if self.process.poll() is not None:
                raise RuntimeError(f"firefox exited with {self.process.returncode}")
            time.sleep(0.1)
        raise RuntimeError("firefox did not start WebDriver BiDi")

    def command(self, method: str, **params) -> dict:
        """Send one command; return its result, keeping the events read before it in `events`.

        BidiError with the error and message if the browser answers with an error.
        """
        number = next(self.ids)
        self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("type") == "event":
                self.events.append(message)
            elif message.get("id") == number:
                if message["type"] == "error":
                    raise BidiError(f"{method}: {message['error']}: {message['message']}")
                return message["result"]

    def close(self) -> None:
        """End the browser (browser.close), killing it if it lingers or the socket failed."""
        try:
            self.command("browser.close")
        except (OSError, websocket.WebSocketException, BidiError):
            pass
        finally:
            self.socket.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                stop_process(self.process, signal.SIGKILL)


class Tab:
    """A tab of `firefox` in a user context of its own (its own storage), at `size` pixels,
    that records every request it makes (`requests()`); closed by `close()` or `with`."""

    def __init__(self, firefox: Firefox, size: tuple[int, int] = (1920, 1080)):
        self.firefox = firefox
        self.user_context = firefox.command("browser.createUserContext")["userContext"]
        self.context = firefox.command("browsingContext.create", type="tab",
                                       userContext=self.user_context)["context"]
        firefox.command("browsingContext.setViewport", context=self.context,
                        viewport={"width": size[0], "height": size[1]})
        firefox.command("session.subscribe", events=["network.beforeRequestSent",
                                                     "log.entryAdded"], contexts=[self.context])

    def requests(self) -> list[dict]:
        """Every request this tab made so far, in order: BiDi `network.RequestData` (url,
        method, headers), as read with each command."""
        self.firefox.command("session.status")
        return [event["params"]["request"] for event in self.firefox.events
                if event["method"] == "network.beforeRequestSent"
                and event["params"]["context"] == self.context]

    def problems(self) -> list[str]:
        """The console's errors and warnings of this tab so far, and the scripts' uncaught
        exceptions (BiDi `log.entryAdded`), as "level: text"."""
        self.firefox.command("session.status")
        entries = [event["params"] for event in self.firefox.events
                   if event["method"] == "log.entryAdded"]
        return [f"{entry['level']}: {entry['text']}" for entry in entries
                if entry["source"]["context"] == self.context
                and entry["level"] in ("warn", "error")]

    def forget_requests(self) -> None:
        self.firefox.command("session.status")
        self.firefox.events = [event for event in self.firefox.events
                               if event["method"] != "network.beforeRequestSent"]

    def navigate(self, url: str) -> None:
        self.firefox.command("browsingContext.navigate", context=self.context, url=url,
                             wait="complete")

    def reload(self) -> None:
        self.firefox.command("browsingContext.reload", context=self.context, wait="complete")

    def run(self, function: str, *arguments: str):
        """Call the JavaScript `function` with string `arguments` in the page; its value
        (promises awaited). BidiError with the message if it throws."""
        result = self.firefox.command(
            "script.callFunction", functionDeclaration=function, awaitPromise=True,
            target={"context": self.context},
            arguments=[{"type": "string", "value": a} for a in arguments])
        if result["type"] == "exception":
            raise BidiError(result["exceptionDetails"]["text"])
        return value(result["result"])

    def wait_for(self, function: str, *arguments: str, expected, seconds: float = 5):
        """Poll `run(function, *arguments)` until it equals `expected`; AssertionError with the
        last value if `seconds` pass first. Returns the seconds it took."""
        start = time.monotonic()
        while (got := self.run(function, *arguments)) != expected:
            if time.monotonic() - start > seconds:
                raise AssertionError(f"after {seconds} s: {got!r} != {expected!r}")
            time.sleep(0.05)
        return time.monotonic() - start

    def type(self, text: str) -> None:
        """Type `text` (key presses) into the element that has the focus."""
        keys = [{"type": kind, "value": key} for key in text for kind in ("keyDown", "keyUp")]
        self.firefox.command("input.performActions", context=self.context,
                             actions=[{"type": "key", "id": "keyboard", "actions": keys}])

    def screenshot(self, path: Path) -> None:
        """Save the viewport as a PNG."""
        data = self.firefox.command("browsingContext.captureScreenshot",
                                    context=self.context)["data"]
        path.write_bytes(base64.b64decode(data))

    def __enter__(self) -> "Tab":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.firefox.command("browsingContext.close", context=self.context)
        self.firefox.command("browser.removeUserContext", userContext=self.user_context)
