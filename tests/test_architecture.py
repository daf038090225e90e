"""The package's layout matches docs/architecture.md: imports only point down the layers, no
import cycle (imports inside functions count), no module over 600 lines, no private name imported
from another module. The layer table is read from the document itself."""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = ROOT / "ntksym"
DOC = ROOT / "docs" / "architecture.md"
MAX_LINES = 600


def _layers():
    """{package prefix: level} from the table in docs/architecture.md."""
    out = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|[^|]*\|([^|]*)\|", line)
        if m:
            for name in re.findall(r"`([\w.]+)`", m.group(2)):
                out[name] = int(m.group(1))
    return out


def _modules():
    mods = {}
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(rel[:-1] if rel[-1] == "__init__" else rel)
        mods[name] = path
    return mods


def _imports(mods):
    """(module, imported module, imported names) for every import of a package module."""
    out = []
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for a in node.names:
                    out.append((mod, a.name, ()))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    src = ".".join(base + ([node.module] if node.module else []))
                else:
                    src = node.module or ""
                names = tuple(a.name for a in node.names)
                subs = [f"{src}.{n}" for n in names if f"{src}.{n}" in mods]
                rest = tuple(n for n in names if f"{src}.{n}" not in mods)
                if rest:          # names from the module src itself
                    out.append((mod, src, rest))
                out.extend((mod, s, ()) for s in subs)   # submodules: the edge is to them
    return [(m, t, n) for m, t, n in out if t.split(".")[0] == "ntksym"]


def _known(name, mods):
    parts = name.split(".")
    while parts and ".".join(parts) not in mods:
        parts.pop()
    return ".".join(parts)


def _level(mod, layers):
    best = None
    for prefix, level in layers.items():
        if mod == prefix or mod.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, level)
    return None if best is None else best[1]


MODS = _modules()
LAYERS = _layers()
EDGES = [(m, _known(t, MODS), n) for m, t, n in _imports(MODS)]


def test_every_module_has_a_layer():
    assert LAYERS, "no layer table found in docs/architecture.md"
    missing = [m for m in MODS if _level(m, LAYERS) is None]
    assert not missing, f"modules not in docs/architecture.md's layer table: {missing}"


def test_imports_point_down():
    up = [(m, t) for m, t, _ in EDGES
          if t and t != m and _level(t, LAYERS) > _level(m, LAYERS)]
    assert not up, f"imports that point up a layer: {up}"


def test_no_import_cycle():
    graph = {m: set() for m in MODS}
    for m, t, _ in EDGES:
        if t and t != m:
            graph[m].add(t)
    # a module's package __init__ importing it back is a cycle too; Tarjan's algorithm
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    import sys
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("mod", sorted(MODS))
def test_module_size(mod):
    n = len(MODS[mod].read_text().splitlines())
    assert n <= MAX_LINES, f"{mod} has {n} lines (at most {MAX_LINES}: split it by job)"


def test_no_private_names_across_modules():
    bad = [(m, t, n) for m, t, names in EDGES if t and t != m
           for n in names if n.startswith("_") and not n.startswith("__")
           and not (t == "ntksym" and n == "_aliases")]
    assert not bad, f"private names imported from another module: {bad}"
