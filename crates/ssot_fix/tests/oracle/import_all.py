"""What every module of a tree binds, as CPython sees it (used by tests/fix_properties.rs).

Usage: python3 -I -B -c <this file> ROOT MODULE...

Imports each module (ROOT first on sys.path) and prints one JSON object: for each module, every
name of its namespace (dunders left out) described as `module:qualname` for classes and
functions, `module NAME` for modules, the type name otherwise; and for each zero-argument
function named `probe_*`, what each element of the tuple it returns is. A module that fails to
import is reported with its error.
"""

import importlib
import json
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


def main():
    root, modules = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, root)
    result = {}
    for name in modules:
        try:
            module = importlib.import_module(name)
        except Exception as error:  # reported, compared like any other answer
            result[name] = {"error": type(error).__name__ + ": " + str(error)}
            continue
        names = {}
        for key, value in sorted(vars(module).items()):
            if key.startswith("__"):
                continue
            names[key] = describe(value)
            if key.startswith("probe_") and callable(value):
                try:
                    names[key + "()"] = [describe(v) for v in value()]
                except Exception as error:
                    names[key + "()"] = "error " + type(error).__name__
        result[name] = names
    print(json.dumps(result, sort_keys=True))


main()
