"""plugd plugins in Python: the stdio protocol of docs/PROTOCOL.md in one file.

Standard library only; copy this file beside your plugin (``plugd new NAME
--lang python`` does). A plugin::

    import plugd

    plugin = plugd.Plugin()

    @plugin.method(params={"type": "object", "properties": {"name": {"type": "string"}},
                           "required": ["name"], "additionalProperties": False})
    def greet(name):
        return f"hello, {name}!"

    if __name__ == "__main__":
        plugin.run()

The daemon checks each call's params against the declared JSON Schema before
the call reaches you (a bad call is answered -32602 by plugd itself). An
object's members arrive as keyword arguments, an array's items as positional
ones. Raise ``plugd.Error(code, message, data)`` to answer with that error;
any other exception answers -32603 with its message.

A plain ``def`` handler runs on the loop that reads stdin, which also answers
``plugd.ping``: one that takes longer than the daemon's heartbeat timeout is
taken for a hung plugin and killed. Declare long work ``async def``: it runs on
an asyncio loop of its own thread, many at once, and is cancelled at its
deadline (``plugd.cancel``).
"""

import asyncio
import json
import os
import subprocess
import sys
import threading
import traceback

__all__ = ["Plugin", "Error", "Session", "spawn", "PROTOCOL"]

PROTOCOL = 1

INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603

_LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")


class Error(Exception):
    """Answers the call with this JSON-RPC error."""

    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self):
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def _dump(message):
    return (json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n").encode()


class _Log:
    """``plugin.log.info("msg", key=value)``: a record in the daemon's log, naming the plugin."""

    def __init__(self, plugin):
        self._plugin = plugin
        for level in _LEVELS:
            setattr(self, level, self._at(level))

    def _at(self, level):
        def log(msg, **fields):
            self._plugin._notify("plugd.log", dict(fields, level=level, msg=str(msg)))

        return log


class Plugin:
    """A plugin: its methods, its snapshot hooks, and the loop that serves them."""

    def __init__(self, concurrency=None):
        self.methods = {}
        self.concurrency = concurrency
        self.name = os.environ.get("PLUGD_PLUGIN_NAME", "")
        #: The plugin's ``plugins.<name>.config`` from plugd.json (``None`` when there is none).
        self.config = json.loads(os.environ.get("PLUGD_CONFIG") or "null")
        self.log = _Log(self)
        self._snapshot = None
        self._restore = None
        self._shutdown = []
        self._out = None
        self._lock = threading.Lock()
        self._async_loop = None
        self._tasks = {}

    # ---- declaring -------------------------------------------------------

    def method(self, name=None, params=None, result=None, description=None, timeout_ms=None):
        """Declares a method; ``params`` and ``result`` are JSON Schema (dicts)."""

        def declare(fn):
            spec = {"name": name or fn.__name__}
            doc = description or (fn.__doc__ or "").strip() or None
            for key, value in (("description", doc), ("params", params), ("result", result), ("timeoutMs", timeout_ms)):
                if value is not None:
                    spec[key] = value
            self.methods[spec["name"]] = (spec, fn)
            return fn

        return declare

    def snapshot(self, fn):
        """``fn()`` returns the state (JSON) handed to the next version's ``restore``."""
        self._snapshot = fn
        return fn

    def restore(self, fn):
        """``fn(state)`` takes the state the previous version's ``snapshot`` returned."""
        self._restore = fn
        return fn

    def on_shutdown(self, fn):
        """``fn()`` runs when the daemon stops the plugin (unload, reload, daemon stop)."""
        self._shutdown.append(fn)
        return fn

    def hello(self):
        """The first line's params: what the daemon lists and checks."""
        hello = {"protocol": PROTOCOL, "methods": [spec for spec, _ in self.methods.values()], "snapshot": self._snapshot is not None}
        if self.concurrency:
            hello["concurrency"] = self.concurrency
        return hello

    # ---- serving ---------------------------------------------------------

    def run(self, stdin=None, stdout=None):
        """Serves until end-of-file on stdin (the daemon is gone, or it said shutdown)."""
        versions = os.environ.get("PLUGD_PROTOCOL_VERSIONS")
        if versions is not None and str(PROTOCOL) not in versions.split(","):
            sys.stderr.write(f"plugd.py speaks protocol {PROTOCOL}, the daemon offers {versions}\n")
            sys.exit(2)
        in_fd = (stdin or sys.stdin.buffer).fileno()
        self._out = stdout or sys.stdout.buffer
        # A stray print() must not go to the daemon's channel: it becomes a log line on stderr.
        sys.stdout = sys.stderr
        self._write([_dump({"jsonrpc": "2.0", "method": "plugd.hello", "params": self.hello()})])
        pending = b""
        while True:
            chunk = os.read(in_fd, 1 << 16)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            answers = []
            for line in lines:
                if line.strip():
                    self._receive(line, answers)
            # Every answer of one read in one write.
            if answers:
                self._write(answers)
        if self._async_loop is not None:
            self._async_loop.call_soon_threadsafe(self._async_loop.stop)

    def _write(self, lines):
        with self._lock:
            self._out.write(b"".join(lines))
            self._out.flush()

    def _notify(self, method, params):
        if self._out is None:
            sys.stderr.write(f"{params.get('level', 'info')}: {params.get('msg', '')}\n")
            return
        self._write([_dump({"jsonrpc": "2.0", "method": method, "params": params})])

    def _receive(self, line, answers):
        try:
            message = json.loads(line)
        except ValueError:
            sys.stderr.write(f"plugd.py: a line that is not JSON from the daemon: {line[:200]!r}\n")
            return
        method = message.get("method")
        if method is None:
            return  # An answer: this SDK asks the daemon nothing.
        if method == "plugd.cancel":
            task = self._tasks.pop((message.get("params") or {}).get("id"), None)
            if task is not None:
                self._async_loop.call_soon_threadsafe(task.cancel)
            return
        if "id" not in message:
            return
        call_id = message["id"]
        try:
            if method.startswith("plugd."):
                result = self._reserved(method, message.get("params"))
            else:
                entry = self.methods.get(method)
                if entry is None:
                    raise Error(METHOD_NOT_FOUND, f"no method {method}")
                fn = entry[1]
                if asyncio.iscoroutinefunction(fn):
                    self._start_async(call_id, fn, message.get("params"))
                    return
                result = _invoke(fn, message.get("params"))
            answers.append(_answer(call_id, result))
        except Exception as error:  # noqa: BLE001 - every failure is an answer
            answers.append(_error_answer(call_id, error))

    def _reserved(self, method, params):
        if method == "plugd.ping":
            return None
        if method == "plugd.snapshot":
            return self._snapshot() if self._snapshot else None
        if method == "plugd.restore":
            if self._restore:
                self._restore((params or {}).get("state"))
            return None
        if method == "plugd.shutdown":
            for fn in self._shutdown:
                fn()
            return None
        raise Error(METHOD_NOT_FOUND, f"no method {method}")

    def _start_async(self, call_id, fn, params):
        if self._async_loop is None:
            self._async_loop = asyncio.new_event_loop()
            threading.Thread(target=self._async_loop.run_forever, name="plugd-async", daemon=True).start()

        async def run():
            try:
                line = _answer(call_id, await _invoke(fn, params))
            except asyncio.CancelledError:
                return  # Past its deadline: the caller has had its answer from the daemon.
            except Exception as error:  # noqa: BLE001
                line = _error_answer(call_id, error)
            finally:
                self._tasks.pop(call_id, None)
            self._write([line])

        self._tasks[call_id] = asyncio.run_coroutine_threadsafe(run(), self._async_loop)


def _invoke(fn, params):
    if isinstance(params, dict):
        return fn(**params)
    if isinstance(params, list):
        return fn(*params)
    return fn()


def _answer(call_id, result):
    try:
        return _dump({"jsonrpc": "2.0", "id": call_id, "result": result})
    except (TypeError, ValueError) as error:
        return _error_answer(call_id, Error(INTERNAL_ERROR, f"the result is not JSON: {error}"))


def _error_answer(call_id, error):
    if not isinstance(error, Error):
        traceback.print_exc(file=sys.stderr)
        error = Error(INTERNAL_ERROR, f"{type(error).__name__}: {error}")
    return _dump({"jsonrpc": "2.0", "id": call_id, "error": error.to_json()})


# ---- testing a plugin as the daemon runs it ----------------------------------


class Session:
    """A plugin program started as plugd starts it, spoken to over its stdio: for a plugin's own tests."""

    def __init__(self, argv, config=None, name="test", cwd=None):
        env = dict(os.environ, PLUGD_PROTOCOL_VERSIONS=str(PROTOCOL), PLUGD_PLUGIN_NAME=name, PLUGD_CONFIG=json.dumps(config))
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=cwd)
        self.logs = []
        self._next_id = 0
        first = self._message()
        if first.get("method") != "plugd.hello":
            raise AssertionError(f"the first line is not plugd.hello: {first}")
        self.hello = first["params"]

    def request(self, method, params=None):
        """Sends one request and returns its answer (``result`` or ``error``), log lines kept in ``logs``."""
        self._next_id += 1
        request = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            request["params"] = params
        self.process.stdin.write(_dump(request))
        self.process.stdin.flush()
        while True:
            message = self._message()
            if message.get("id") == self._next_id:
                return message

    def call(self, method, params=None):
        """The result, or ``plugd.Error`` with the error."""
        answer = self.request(method, params)
        if "error" in answer:
            error = answer["error"]
            raise Error(error["code"], error["message"], error.get("data"))
        return answer["result"]

    def close(self):
        """``plugd.shutdown``, end-of-file, and the exit code."""
        if self.process.poll() is None:
            self.request("plugd.shutdown")
            self.process.stdin.close()
        code = self.process.wait(timeout=10)
        self.process.stdout.close()
        return code

    def _message(self):
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise EOFError("the plugin closed its stdout")
            message = json.loads(line)
            if message.get("method") == "plugd.log":
                self.logs.append(message["params"])
                continue
            return message

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def spawn(argv, config=None, name="test", cwd=None):
    """Starts a plugin program as the daemon does and returns its ``Session``."""
    return Session(argv, config=config, name=name, cwd=cwd)
