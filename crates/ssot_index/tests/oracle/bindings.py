"""CPython as the oracle for ssot's import resolution (used by tests/python_oracle.rs).

Usage: python3 -I -B -c <this file> ROOT, with on stdin
    {"modules": [{"name": "top0.mod1", "file": "top0/mod1.py", "package": false}, ...],
     "tops": ["top0", ...]}

Every module of the tree is imported once as the entry point, after removing every module of
the tree from sys.modules, so each run starts from nothing. `builtins.__import__` is wrapped to
record, for each module-level `from ... import` statement of the tree as it runs, what each name
is bound to at that moment (`module:qualname` of a class or function, the name of a module),
the way the IMPORT_FROM that follows fetches it. Later rebindings of the name in the importing
module do not matter: the binding is what the import statement bound.

A module that finishes in some run is reported with the bindings of that run. A module that
never finishes is reported as failed, with the innermost statement of the tree that raised, the
error, and the bindings of the statements that ran before the failure.

A tree whose answers depend on which module is imported first (a module finishes in one run but
fails while executing in another, or two runs record different values) is reported under
"inconsistent": that is a bug of the generator, not of ssot.

Prints one JSON object on stdout.
"""

import ast
import builtins
import importlib
import importlib.util
import json
import os
import re
import sys
import traceback
import types


def describe(value):
    if isinstance(value, types.ModuleType):
        return {"module": value.__name__}
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return {"def": module + ":" + qualname}
    return {"other": type(value).__name__}


def module_level_nodes(tree):
    """Every node that runs in the module's own frame (not in a function or class body)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            stack.extend(ast.iter_child_nodes(node))


class ModuleFile:
    def __init__(self, root, spec):
        self.name = spec["name"]
        self.rel = spec["file"]
        self.path = os.path.realpath(os.path.join(root, spec["file"]))
        with open(self.path, "rb") as handle:
            source = handle.read()
        self.lines = source.decode("utf-8-sig").replace("\r\n", "\n").split("\n")
        package = self.name if spec["package"] else self.name.rpartition(".")[0]
        self.statements = []
        for node in module_level_nodes(ast.parse(source)):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                try:
                    absolute = importlib.util.resolve_name(
                        "." * node.level + (node.module or ""), package
                    )
                except (ImportError, ValueError):
                    absolute = None
            else:
                absolute = node.module
            self.statements.append(
                {
                    "start": (node.lineno, node.col_offset),
                    "end": (node.end_lineno, node.end_col_offset),
                    "line": node.lineno,
                    "col": self.char_col(node.lineno, node.col_offset),
                    "module": absolute,
                    "names": [alias.name for alias in node.names],
                }
            )

    def char_col(self, lineno, byte_col):
        """1-based character column, as ssot counts them."""
        line = self.lines[lineno - 1].encode("utf-8")
        return len(line[:byte_col].decode("utf-8")) + 1

    def statement_at(self, line, byte_col):
        for statement in self.statements:
            if byte_col is None:
                if statement["start"][0] <= line <= statement["end"][0]:
                    return statement
            elif statement["start"] <= (line, byte_col) < statement["end"]:
                return statement
        return None


def purge(tops):
    for name in list(sys.modules):
        if name.partition(".")[0] in tops:
            del sys.modules[name]


def instruction_position(frame):
    """(line, byte column) of the instruction a frame is executing."""
    positions = getattr(frame.f_code, "co_positions", None)  # Python 3.11+
    if positions is not None:
        line, _, col, _ = list(positions())[frame.f_lasti // 2]
        if line is not None:
            return line, col
    return frame.f_lineno, None


def tree_frames(exc, files_by_path):
    """(file, frame, summary) of every frame of the traceback that runs code of the tree."""
    tb = exc.__traceback__
    frames = []
    for (frame, _), summary in zip(traceback.walk_tb(tb), traceback.extract_tb(tb)):
        module_file = files_by_path.get(os.path.realpath(frame.f_code.co_filename))
        if module_file is not None:
            frames.append((module_file, frame, summary))
    return frames


def main():
    root = os.path.realpath(sys.argv[1])
    spec = json.loads(sys.stdin.read())
    tops = set(spec["tops"])
    sys.path.insert(0, root)
    sys.dont_write_bytecode = True
    files = [ModuleFile(root, module) for module in spec["modules"]]
    files_by_path = {module_file.path: module_file for module_file in files}

    # Bindings recorded in the current run, per module name.
    run_bindings = {}
    real_import = builtins.__import__

    def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
        module = real_import(name, globals, locals, fromlist, level)
        if not fromlist or "*" in fromlist:
            return module
        frame = sys._getframe(1)
        module_file = files_by_path.get(os.path.realpath(frame.f_code.co_filename))
        if module_file is None or frame.f_code.co_name != "<module>":
            return module
        statement = module_file.statement_at(*instruction_position(frame))
        if statement is None:
            return module
        bindings = run_bindings.setdefault(module_file.name, [])
        for index, attr in enumerate(fromlist):
            # What IMPORT_FROM does next: the attribute, else the submodule.
            try:
                value = getattr(module, attr)
            except AttributeError:
                value = sys.modules.get(module.__name__ + "." + attr)
                if value is None:
                    break
            bindings.append(
                {
                    "line": statement["line"],
                    "col": statement["col"],
                    "index": index,
                    "module": statement["module"],
                    "name": attr,
                    "value": describe(value),
                }
            )
        return module

    builtins.__import__ = recording_import

    finished = {module_file.name: [] for module_file in files}
    failed_while_running = {module_file.name: [] for module_file in files}
    own_failure = {}
    for entry in files:
        purge(tops)
        run_bindings.clear()
        try:
            importlib.import_module(entry.name)
        except Exception as exc:  # the oracle reports every failure, whatever it is
            frames = tree_frames(exc, files_by_path)
            raise_at = None
            if frames:
                module_file, _, summary = frames[-1]
                col = getattr(summary, "colno", None)  # Python 3.11+
                raise_at = {
                    "file": module_file.rel,
                    "line": summary.lineno,
                    "col": module_file.char_col(summary.lineno, col) if col is not None else None,
                }
            for module_file, frame, _ in frames:
                if frame.f_code.co_name == "<module>":
                    failed_while_running[module_file.name].append(entry.name)
            match = re.match(r"cannot import name '([^']*)'", str(exc))
            own_failure[entry.name] = {
                "ok": False,
                "error_type": type(exc).__name__,
                "error": str(exc),
                "cannot_import": match.group(1) if match else None,
                "raise": raise_at,
                "bindings": run_bindings.get(entry.name, []),
            }
        for module_file in files:
            if module_file.name in sys.modules:
                finished[module_file.name].append(
                    (entry.name, run_bindings.get(module_file.name, []))
                )
    builtins.__import__ = real_import
    purge(tops)

    results = {}
    inconsistent = []
    for module_file in files:
        name = module_file.name
        runs = finished[name]
        if runs:
            first_entry, first = runs[0]
            for entry, bindings in runs[1:]:
                if bindings != first:
                    inconsistent.append(
                        f"{name}: bindings differ between entry {first_entry} and entry {entry}"
                    )
            if failed_while_running[name]:
                inconsistent.append(
                    f"{name}: finished with entry {first_entry} but failed while running "
                    f"with entry {failed_while_running[name][0]}"
                )
            results[name] = {"ok": True, "bindings": first}
        else:
            results[name] = own_failure[name]
    print(json.dumps({"modules": results, "inconsistent": inconsistent}, sort_keys=True))


main()
