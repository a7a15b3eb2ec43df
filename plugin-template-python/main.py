"""The plugin: the methods it serves and the state it keeps across reloads.

plugd starts this program (plugd.json "exec") and speaks JSON-RPC with it
over stdin/stdout; plugd.py (docs/PROTOCOL.md in plugd) does the talking.
"""

import plugd

plugin = plugd.Plugin()
greetings = 0


# Checked by the daemon before the handler runs: a bad call is answered -32602.
@plugin.method(
    description="Greets someone by name.",
    params={
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1, "description": "Who to greet"}},
        "required": ["name"],
        "additionalProperties": False,
    },
    result={"type": "string"},
)
def greet(name):
    global greetings
    greetings += 1
    return f"hello, {name}!"


@plugin.method(description="Answers with its params.", params={"type": "object"})
def echo(**params):
    return params


@plugin.method(description="How many greetings so far (kept across reloads).", params={"type": "object", "additionalProperties": False})
def greeted():
    return greetings


# The state the next version starts from after a reload (restore gets it).
@plugin.snapshot
def snapshot():
    return {"greetings": greetings}


@plugin.restore
def restore(state):
    global greetings
    greetings = state["greetings"]


@plugin.on_shutdown
def goodbye():
    plugin.log.info("goodbye", greetings=greetings)


if __name__ == "__main__":
    plugin.run()
