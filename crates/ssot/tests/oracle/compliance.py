"""An independent count of a concept's references, by CPython itself.

Usage: compliance.py PROJECT_ROOT CANONICAL [MEMBER ...] [--tests GLOB ...]

Imports the project (its root on sys.path), takes the objects CANONICAL and MEMBERs
(`module:Qualified.Name`) and, for every `from M import N` statement (any depth, relative
imports made absolute) and every `import M` followed by `M.N`, looks the name up with
importlib and compares identities. Prints JSON: references to any member and how many use
the canonical path, split production/test. Shares no code with ssot.
"""

import ast
import fnmatch
import importlib
import json
import os
import sys


def load(symbol):
    module, _, qualname = symbol.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def module_name(relative):
    parts = relative[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not all(p.isidentifier() for p in parts):
        return None, False
    return ".".join(parts), relative.endswith("__init__.py")


def absolute(node, relative):
    if node.level == 0:
        return node.module
    name, is_package = module_name(relative)
    if name is None:
        return None
    package = name.split(".") if is_package else name.split(".")[:-1]
    if node.level - 1 >= len(package):
        return None
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def lookup(module, name):
    try:
        obj = importlib.import_module(module)
    except Exception:
        return None
    if hasattr(obj, name):
        return getattr(obj, name)
    try:
        return importlib.import_module(f"{module}.{name}")
    except Exception:
        return None


def attribute_paths(tree, bound):
    """`M.N` uses of names bound by `import M` statements: yields (statement, path)."""
    seen = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain = []
        current = node
        while isinstance(current, ast.Attribute):
            chain.append(current.attr)
            current = current.value
        if not isinstance(current, ast.Name) or current.id not in bound:
            continue
        statement, module = bound[current.id]
        chain.reverse()
        for attr in chain:
            try:
                importlib.import_module(f"{module}.{attr}")
                module = f"{module}.{attr}"
                continue
            except Exception:
                pass
            key = (statement, module, attr)
            if key not in seen:
                seen.add(key)
                yield key
            break


def main():
    args = sys.argv[1:]
    tests = []
    if "--tests" in args:
        index = args.index("--tests")
        tests = args[index + 1 :]
        args = args[:index]
    root, canonical_path, *members = args
    sys.path.insert(0, root)
    canonical = load(canonical_path)
    member_objects = [load(m) for m in members]
    counts = {"production": [0, 0], "tests": [0, 0]}
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            relative = os.path.relpath(os.path.join(directory, file), root).replace(os.sep, "/")
            try:
                tree = ast.parse(open(os.path.join(directory, file), encoding="utf-8").read())
            except SyntaxError:
                continue
            kind = "tests" if any(fnmatch.fnmatch(relative, g) for g in tests) else "production"
            references = []
            bound = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    module = absolute(node, relative)
                    if module is None:
                        continue
                    for alias in node.names:
                        if alias.name != "*":
                            references.append((f"{module}:{alias.name}", lookup(module, alias.name)))
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        local = alias.asname or alias.name.split(".")[0]
                        target = alias.name if alias.asname else alias.name.split(".")[0]
                        bound[local] = (id(node), target)
            for _, module, attr in attribute_paths(tree, bound):
                references.append((f"{module}:{attr}", lookup(module, attr)))
            for path, obj in references:
                if obj is None:
                    continue
                if obj is canonical or any(obj is m for m in member_objects):
                    counts[kind][0] += 1
                    counts[kind][1] += int(obj is canonical and path == canonical_path)
    print(json.dumps({k: {"references": v[0], "canonical_references": v[1]} for k, v in counts.items()}))


if __name__ == "__main__":
    main()
