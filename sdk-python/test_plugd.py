"""plugd.py's own tests: a plugin made with it, run as plugd runs it (a child
speaking the protocol on its stdio), and every part of docs/PROTOCOL.md the
SDK answers for. Run with ``python3 -m unittest discover -s sdk-python``
(test/integration/exec-sdk-python.test.ts does, from ``npm test``).
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import plugd  # noqa: E402

PLUGIN = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, %r)
    import plugd

    plugin = plugd.Plugin(concurrency=8)
    state = {"n": 0}

    @plugin.method(params={"type": "object"}, result={"type": "object"})
    def echo(**params):
        "Answers with its params."
        return params

    @plugin.method(name="add")
    def add_numbers(a, b):
        return a + b

    @plugin.method()
    def fail():
        raise plugd.Error(-32000, "on purpose", {"k": 1})

    @plugin.method()
    def crash():
        raise ValueError("bad value")

    @plugin.method()
    def noisy():
        print("to stderr, not to the channel")
        plugin.log.warn("careful", size=3)
        return "quiet stdout"

    @plugin.method()
    def config():
        return plugin.config

    @plugin.method()
    def bump():
        state["n"] += 1
        return state["n"]

    @plugin.method()
    async def sleep(ms):
        await asyncio.sleep(ms / 1000)
        return ms

    @plugin.snapshot
    def snapshot():
        return state

    @plugin.restore
    def restore(saved):
        state.update(saved)

    @plugin.on_shutdown
    def bye():
        plugin.log.info("bye")

    plugin.run()
    """
    % HERE
)


class SdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        handle, cls.script = tempfile.mkstemp(suffix=".py")
        with os.fdopen(handle, "w") as file:
            file.write(PLUGIN)

    @classmethod
    def tearDownClass(cls):
        os.unlink(cls.script)

    def start(self, config=None):
        session = plugd.spawn([sys.executable, self.script], config=config)
        self.addCleanup(lambda: session.process.poll() is None and session.close())
        return session

    def test_hello_declares_methods_schemas_snapshot_and_concurrency(self):
        hello = self.start().hello
        self.assertEqual(hello["protocol"], 1)
        self.assertTrue(hello["snapshot"])
        self.assertEqual(hello["concurrency"], 8)
        methods = {method["name"]: method for method in hello["methods"]}
        self.assertEqual(sorted(methods), ["add", "bump", "config", "crash", "echo", "fail", "noisy", "sleep"])
        self.assertEqual(methods["echo"], {"name": "echo", "description": "Answers with its params.", "params": {"type": "object"}, "result": {"type": "object"}})

    def test_params_by_name_or_position(self):
        session = self.start()
        self.assertEqual(session.call("echo", {"a": [1, "two"]}), {"a": [1, "two"]})
        self.assertEqual(session.call("add", {"a": 2, "b": 3}), 5)
        self.assertEqual(session.call("add", [4, 5]), 9)

    def test_errors(self):
        session = self.start()
        self.assertEqual(session.request("fail")["error"], {"code": -32000, "message": "on purpose", "data": {"k": 1}})
        self.assertEqual(session.request("crash")["error"], {"code": -32603, "message": "ValueError: bad value"})
        self.assertEqual(session.request("nope")["error"]["code"], -32601)
        self.assertEqual(session.call("add", [1, 1]), 2, "it keeps serving")

    def test_stdout_is_only_the_protocol_and_logs_are_notifications(self):
        session = self.start()
        self.assertEqual(session.call("noisy"), "quiet stdout")
        self.assertEqual(session.logs, [{"size": 3, "level": "warn", "msg": "careful"}])

    def test_config_comes_from_the_environment(self):
        self.assertEqual(self.start(config={"answer": 42}).call("config"), {"answer": 42})

    def test_ping_snapshot_restore_and_shutdown(self):
        first = self.start()
        self.assertIsNone(first.call("plugd.ping"))
        first.call("bump")
        first.call("bump")
        state = first.call("plugd.snapshot")
        self.assertEqual(state, {"n": 2})
        self.assertEqual(first.close(), 0)
        self.assertEqual(first.logs[-1], {"level": "info", "msg": "bye"})
        second = self.start()
        second.call("plugd.restore", {"state": state})
        self.assertEqual(second.call("bump"), 3)

    def test_async_calls_run_at_once_answer_in_any_order_and_cancel(self):
        session = self.start()
        stdin = session.process.stdin
        requests = [{"jsonrpc": "2.0", "id": n, "method": "sleep", "params": {"ms": ms}} for n, ms in ((1, 400), (2, 50), (3, 5000))]
        started = time.monotonic()
        stdin.write(b"".join(plugd._dump(request) for request in requests))
        stdin.write(plugd._dump({"jsonrpc": "2.0", "method": "plugd.cancel", "params": {"id": 3}}))
        stdin.flush()
        answers = [session._message(), session._message()]
        self.assertEqual([answer["id"] for answer in answers], [2, 1])
        self.assertLess(time.monotonic() - started, 4, "run side by side, not one after another")
        self.assertEqual(session.call("add", [1, 2]), 3, "the cancelled call never answers; the next answer is the next call's")

    def test_end_of_file_ends_it(self):
        session = self.start()
        session.process.stdin.close()
        self.assertEqual(session.process.wait(timeout=10), 0)
        session.process.stdout.close()

    def test_a_daemon_speaking_another_protocol_is_refused(self):
        env = dict(os.environ, PLUGD_PROTOCOL_VERSIONS="7")
        done = subprocess.run([sys.executable, self.script], env=env, input=b"", capture_output=True, timeout=20)
        self.assertEqual(done.returncode, 2)
        self.assertEqual(done.stdout, b"")
        self.assertIn(b"speaks protocol 1", done.stderr)

    def test_lines_are_compact_json(self):
        line = plugd._dump({"jsonrpc": "2.0", "id": 1, "result": {"a": "é"}})
        self.assertEqual(line, '{"jsonrpc":"2.0","id":1,"result":{"a":"é"}}\n'.encode())
        self.assertEqual(json.loads(line), {"jsonrpc": "2.0", "id": 1, "result": {"a": "é"}})


if __name__ == "__main__":
    unittest.main()
