"""The plugin's tests: it runs as plugd runs it, spoken to over stdin/stdout.

python3 -m unittest
"""

import os
import sys
import unittest

import plugd

HERE = os.path.dirname(os.path.abspath(__file__))


class PluginTest(unittest.TestCase):
    def setUp(self):
        self.plugin = plugd.spawn([sys.executable, os.path.join(HERE, "main.py")], cwd=HERE)
        self.addCleanup(self.plugin.close)

    def test_declares_its_methods(self):
        names = [method["name"] for method in self.plugin.hello["methods"]]
        self.assertEqual(names, ["greet", "echo", "greeted"])
        self.assertTrue(self.plugin.hello["snapshot"])

    def test_greets(self):
        self.assertEqual(self.plugin.call("greet", {"name": "you"}), "hello, you!")
        self.assertEqual(self.plugin.call("greeted", {}), 1)

    def test_state_crosses_a_reload(self):
        self.plugin.call("greet", {"name": "you"})
        state = self.plugin.call("plugd.snapshot")
        with plugd.spawn([sys.executable, os.path.join(HERE, "main.py")], cwd=HERE) as next_version:
            next_version.call("plugd.restore", {"state": state})
            self.assertEqual(next_version.call("greeted", {}), 1)


if __name__ == "__main__":
    unittest.main()
