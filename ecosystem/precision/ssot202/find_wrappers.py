#!/usr/bin/env python3
"""Independent AST search for pure forwarding wrappers (for the SSOT202 precision sample).

Lists, per tree, classes with two or more public methods (no leading underscore, not
dunder; properties and @overload stubs ignored) whose bodies, after an optional docstring,
are exactly one of

    return self.X.m(...)      self.X.m(...)      await self.X.m(...)      return await self.X.m(...)

with the same attribute X across all public methods, and reports what X is assigned from in
the class's own methods (`self.X = ...`, with a parameter's annotation when the value is a
parameter) and any class-level annotation of X. Does not use ssot.

    python3 find_wrappers.py TREE [TREE ...] [--json OUT]
"""

from __future__ import annotations

import ast
import json
import os
import sys

SKIP_DIRS = {".git", "node_modules", "__pycache__", ".tox", "build", "dist"}
# property-like decorators (any name containing "property" also counts) and typing stubs
PROPERTY_DECOS = {"property", "cached_property", "overload", "reify"}


def deco_name(d: ast.expr) -> str:
    if isinstance(d, ast.Call):
        d = d.func
    if isinstance(d, ast.Attribute):
        return d.attr
    if isinstance(d, ast.Name):
        return d.id
    return ""


def is_property(fn) -> bool:
    for d in fn.decorator_list:
        n = deco_name(d)
        if (n in PROPERTY_DECOS or n in {"setter", "getter", "deleter"}
                or "property" in n.lower()):
            return True
    return False


def self_name(fn) -> str | None:
    args = fn.args.posonlyargs + fn.args.args
    return args[0].arg if args else None


def forwarded(fn) -> tuple[str, str] | None:
    """(X, m) when fn's body only forwards to self.X.m(...)."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1:
        return None
    stmt = body[0]
    if isinstance(stmt, ast.Return):
        value = stmt.value
    elif isinstance(stmt, ast.Expr):
        value = stmt.value
    else:
        return None
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    me = self_name(fn)
    if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)
            and isinstance(func.value.value, ast.Name) and func.value.value.id == me):
        return func.value.attr, func.attr
    return None


def assignments(cls: ast.ClassDef, attr: str) -> list[str]:
    out = []
    for node in cls.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == attr:
            out.append(f"class-level {attr}: {ast.unparse(node.annotation)}")
    for fn in cls.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        me = self_name(fn)
        params = {a.arg: a for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
        for node in ast.walk(fn):
            targets, value, ann = [], None, None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign):
                targets, value, ann = [node.target], node.value, node.annotation
            for t in targets:
                if (isinstance(t, ast.Attribute) and t.attr == attr
                        and isinstance(t.value, ast.Name) and t.value.id == me):
                    text = f"{fn.name}: self.{attr} = {ast.unparse(value) if value else '<no value>'}"
                    if ann is not None:
                        text += f"  (annotated {ast.unparse(ann)})"
                    if isinstance(value, ast.Name) and value.id in params:
                        pa = params[value.id].annotation
                        text += f"  [param {value.id}: {ast.unparse(pa) if pa else 'unannotated'}]"
                    out.append(text)
    return out


def classes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            yield node


def scan_file(path: str, rel: str):
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read(), filename=path)
    except (SyntaxError, ValueError):
        return
    for cls in classes(tree):
        public = [fn for fn in cls.body
                  if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and not fn.name.startswith("_") and not is_property(fn)]
        if len(public) < 2:
            continue
        fwd = [forwarded(fn) for fn in public]
        if any(f is None for f in fwd):
            continue
        attrs = {f[0] for f in fwd}
        if len(attrs) != 1:
            continue
        attr = attrs.pop()
        yield {
            "path": rel,
            "line": cls.lineno,
            "class": cls.name,
            "bases": [ast.unparse(b) for b in cls.bases],
            "attr": attr,
            "methods": [f"{fn.name}->{f[1]}" for fn, f in zip(public, fwd)],
            "assigned": assignments(cls, attr),
        }


def scan_tree(root: str):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(".py"):
                full = os.path.join(dirpath, name)
                yield from scan_file(full, os.path.relpath(full, root))


def main(argv: list[str]) -> None:
    out_json = None
    if "--json" in argv:
        i = argv.index("--json")
        out_json = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    result = {}
    for root in argv:
        name = os.path.basename(os.path.normpath(root))
        found = list(scan_tree(root))
        result[name] = found
        print(f"## {name}: {len(found)}")
        for w in found:
            print(f"{w['path']}:{w['line']} class {w['class']}({', '.join(w['bases'])}) "
                  f"-> self.{w['attr']} [{', '.join(w['methods'])}]")
            for a in w["assigned"] or ["(no assignment in the class)"]:
                print(f"    {a}")
    if out_json:
        with open(out_json, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
