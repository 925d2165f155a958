"""Imports each module of a tree in a fresh interpreter state (used by tests/import_time_properties.rs).

Usage: python3 -I -B -c <this file> ROOT MODULE...

For each module, a forked child (whose `sys.modules` holds none of the tree) imports it alone
and reports either the error or, for each name of its namespace (dunders left out), what it is
bound to: `module:qualname` for classes and functions, `module NAME` for modules, the type name
otherwise; for each zero-argument function named `probe_*`, what it returns. Prints one JSON
object, module name to report.
"""

import importlib
import json
import os
import sys
import types


def describe(value):
    if isinstance(value, types.ModuleType):
        return "module " + value.__name__
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return module + ":" + qualname
    return type(value).__name__


def report(root, name):
    try:
        module = importlib.import_module(name)
    except Exception as error:
        return {"error": type(error).__name__ + ": " + str(error).replace(root, "<root>")}
    names = {}
    for key, value in sorted(vars(module).items()):
        if key.startswith("__"):
            continue
        names[key] = describe(value)
        if key.startswith("probe_") and callable(value):
            try:
                names[key + "()"] = describe(value())
            except Exception as error:
                message = str(error).replace(root, "<root>")
                names[key + "()"] = "error " + type(error).__name__ + ": " + message
    return names


def main():
    root, modules = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, root)
    result = {}
    for name in modules:
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read)
            with os.fdopen(write, "w") as out:
                out.write(json.dumps(report(root, name)))
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as answer:
            text = answer.read()
        os.waitpid(child, 0)
        result[name] = json.loads(text) if text else {"error": "the child died"}
    print(json.dumps(result, sort_keys=True))


main()
