"""The package's layout: the numerical core knows no kind of data, no cycles.

Read from the source with :mod:`ast`, imports inside functions included, so
that an import moved into a function to break a cycle still counts.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sklime"


def _module_name(path):
    """Dotted name of a module file, e.g. ``sklime._core._linalg``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name, path, modules):
    """The sklime modules ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            bases = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                root = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{root}.{node.module}" if node.module else root
            else:
                base = node.module or ""
            # ``from package import module`` imports the module.
            bases = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for base in bases:
            while base and base not in modules:
                base = base.rpartition(".")[0]
            if base and base != name:
                found.add(base)
    return found


def _graph():
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_core_imports_no_kind_of_data_display_or_metrics():
    graph = _graph()
    others = ("sklime._tabular", "sklime._text", "sklime._image", "sklime._display")
    others += ("sklime.metrics",)
    for name, imported in graph.items():
        if name.startswith("sklime._core"):
            bad = {m for m in imported if m.startswith(others)}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_the_package_has_no_import_cycle():
    # Package __init__ modules re-export their modules: importing a module
    # through its package is not an edge back.
    graph = _graph()
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    state = {}

    def visit(name, path):
        state[name] = "open"
        for other in sorted(graph[name]):
            if state.get(other) == "open":
                cycle = path[path.index(other) :] + [other]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if other not in state:
                visit(other, path + [other])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


#: The values of LimeExplainer's ``sampling`` parameter.
_SAMPLINGS = {"marginal", "local", "mask", "gaussian"}


def _compares_a_sampling(tree):
    """The line of each comparison of ``tree`` with a sampling's name."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for operand in operands:
            names = [operand] if isinstance(operand, ast.Constant) else []
            if isinstance(operand, ast.Tuple | ast.List | ast.Set):
                names = operand.elts
            if any(
                isinstance(name, ast.Constant) and name.value in _SAMPLINGS
                for name in names
            ):
                lines.append(node.lineno)
    return lines


def test_only_the_sampling_schemes_compare_sampling_names():
    schemes = PACKAGE / "_tabular" / "_schemes.py"
    for path in PACKAGE.rglob("*.py"):
        if path == schemes:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = _compares_a_sampling(tree)
        assert not lines, f"{path.relative_to(PACKAGE)} tests sampling at {lines}"
