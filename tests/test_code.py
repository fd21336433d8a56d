"""The code itself: the linter and the type checker find nothing (their settings are in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "audio", "tests", "scripts")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = run("mypy", "audio")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_one_that_imports_it_back():
    import ast

    imports: dict[str, set[str]] = {}
    for path in (ROOT / "audio").rglob("*.py"):
        name = ".".join(("audio", *path.relative_to(ROOT / "audio").with_suffix("").parts)).removesuffix(".__init__")
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("audio."):
                found.add(node.module)
            elif isinstance(node, ast.ImportFrom) and node.module == "audio":
                found.update(f"audio.{alias.name}" for alias in node.names)
        imports[name] = found - {name}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for other in imports.get(start, ()):
            if other == goal:
                return True
            if other not in seen:
                seen.add(other)
                if reaches(other, goal, seen):
                    return True
        return False

    cycles = [(a, b) for a in imports for b in imports[a] if b in imports and reaches(b, a, set())]
    assert cycles == []


def test_the_readmes_python_example_runs(tmp_path, monkeypatch):
    """The "Use from Python" example, as printed, with the offline voice the README names."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Use from Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "article").mkdir()
    (tmp_path / "article" / "twitter-microsoft.txt").write_text(
        (ROOT / "article" / "twitter-microsoft.txt").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("AUDIO_EDITION_CACHE", str(tmp_path / "cache"))
    exec(compile(example, "README.md", "exec"), {})
    assert (tmp_path / "output" / "ep1.mp3").stat().st_size > 100_000
