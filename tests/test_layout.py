"""The package reads as the pipeline: a folder per stage, and imports that only go down the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "audio"

# Bottom to top. A module may import from its own layer and the ones below it, never from above.
# The order is that of the imports, not always of the data: the voices make Speech but use sound's
# clip type and ffmpeg, so sound sits below them; the text stage reads the voice names for the lexicon.
LAYERS = [
    ["audio.errors", "audio.events", "audio.atomic", "audio.http", "audio.files", "audio.version"],
    ["audio.read"],
    ["audio.sound"],
    ["audio.engines"],
    ["audio.text"],
    ["audio.edition"],
    ["audio.podcast"],
    ["audio.build", "audio.batch", "audio.briefing", "audio.check", "audio.service"],
    ["audio.cli", "audio", "audio.__main__"],
]
STAGES = ["read", "text", "engines", "sound", "edition", "podcast", "cli"]


def module_name(path: Path) -> str:
    return ".".join(("audio", *path.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")


def layer_of(module: str) -> int:
    """Return the index of the layer a module belongs to: the longest listed prefix of its name."""
    best, found = -1, None
    for index, names in enumerate(LAYERS):
        for name in names:
            # the package root is a layer of its own: `audio` names audio/__init__.py only
            if (module == name or (name != "audio" and module.startswith(name + "."))) and len(name) > best:
                best, found = len(name), index
    assert found is not None, f"{module} is in no layer: add it to LAYERS in {__file__}"
    return found


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == "audio" or node.module.startswith("audio.")):
            if node.module == "audio":  # `from audio import errors` names a module; `from audio import x` a name
                found.update(f"audio.{a.name}" if (ROOT / a.name).exists() or (ROOT / f"{a.name}.py").exists()
                             else "audio" for a in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("audio."))
    return found


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_layer_above_its_own(module):
    own = layer_of(module)
    above = sorted(m for m in imports_of(MODULES[module]) if layer_of(m) > own)
    assert above == [], f"{module} (layer {own}) imports from above: {above}"


def test_no_two_stage_folders_import_each_other():
    folder_imports: dict[str, set[str]] = {stage: set() for stage in STAGES}
    for module, path in MODULES.items():
        parts = module.split(".")
        if len(parts) > 2 and parts[1] in folder_imports:
            folder_imports[parts[1]].update(m.split(".")[1] for m in imports_of(path)
                                            if m.count(".") >= 1 and m.split(".")[1] in folder_imports)
    both_ways = sorted((a, b) for a in STAGES for b in folder_imports[a] if a < b and a in folder_imports[b])
    assert both_ways == []


def test_every_stage_folder_says_what_it_takes_and_gives():
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((ROOT / stage / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert len(doc.splitlines()) >= 3, f"audio/{stage}/__init__.py needs a docstring saying what it takes and gives"


def test_the_layer_list_catches_a_climbing_import():
    """The check itself works: a text module importing the edition stage would be reported."""
    assert layer_of("audio.text.speech") < layer_of("audio.edition.manifest")
    assert layer_of("audio.sound.render") < layer_of("audio.engines.google")
    assert layer_of("audio.cli.build") > layer_of("audio.build")
    with pytest.raises(AssertionError, match="in no layer"):  # a new top-level module must be given its layer
        layer_of("audio.newcomer")
