"""The package's shape: no import cycle among ``src/aigc_gateway`` modules (imports inside
functions count too), the CLI never reaches the HTTP layer, and quick commands stay quick."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "aigc_gateway"


def module_name(path: Path) -> str:
    parts = ["aigc_gateway", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (``from x import name`` counts as importing
    ``x.name`` when that is a module, else ``x``)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def reachable(graph: dict[str, set[str]], start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return seen


def test_the_checker_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_package_modules() -> None:
    graph = import_graph()
    assert len(graph) > 50 and "aigc_gateway.pipeline" in graph["aigc_gateway.gateway"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_cli_modules_do_not_import_the_http_layer() -> None:
    graph = import_graph()
    cli = {name for name in graph if name.startswith("aigc_gateway.cli") or name.endswith(".cli")}
    assert "aigc_gateway.cli.common" in cli and "aigc_gateway.audit.cli" in cli
    serve = {"aigc_gateway.cli.server", "aigc_gateway.cli.workers"}  # start the HTTP server
    reached = reachable(graph, cli - serve)
    assert not {name for name in reached if name.startswith("aigc_gateway.api")}


def modules_loaded_by(code: str, heavy: tuple[str, ...], tmp_path: Path) -> list[str]:
    """The modules named by (or under) ``heavy`` that ``code`` imported, run in a fresh
    interpreter with ``sys.argv[1]`` set to ``tmp_path``."""
    probe = (
        f"{code}\nimport sys\n"
        f"print('loaded:' + ','.join(sorted(n for n in sys.modules if n.startswith({heavy!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return [
        name for name in done.stdout.splitlines()[-1].removeprefix("loaded:").split(",") if name
    ]


def test_quick_commands_load_neither_model_nor_guards_nor_http(tmp_path: Path) -> None:
    """``--help`` and ``keys list`` import only the command they run (start-up time: see
    bench/cli_startup.py)."""
    code = (
        "import sys\n"
        "from aigc_gateway.cli import main\n"
        "for argv in (['keys', 'list', '--data-dir', sys.argv[1]], ['--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    heavy = (
        "aigc_gateway.guards.engine",
        "aigc_gateway.evaluation.runner",
        "llama_cpp",
        "aigc_gateway.api.app",
        "fastapi",
        "aigc_gateway.audit.cli",
        "numpy",
    )
    assert modules_loaded_by(code, heavy, tmp_path) == []


def test_telemetry_off_loads_neither_the_module_nor_the_sdk(tmp_path: Path) -> None:
    """Off (the default), a built gateway has not imported its telemetry module nor the
    OpenTelemetry SDK or exporters (FastAPI itself imports the OpenTelemetry API)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from aigc_gateway.api.app import create_app\n"
        "from aigc_gateway.config import Settings\n"
        "from aigc_gateway.gateway import Gateway\n"
        "off = {'local_model': {'enabled': False}, 'embedding_model': {'enabled': False}}\n"
        "create_app(Gateway(Settings.model_validate(off), Path(sys.argv[1])))\n"
    )
    heavy = ("aigc_gateway.telemetry", "opentelemetry.sdk", "opentelemetry.exporter")
    assert modules_loaded_by(code, heavy, tmp_path) == []
