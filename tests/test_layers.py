"""Layers point one way: the import-linter contract in .importlinter holds for the code as it is."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_layer_imports_a_layer_above_it():
    lint_imports = Path(sys.executable).parent / "lint-imports"

    result = subprocess.run([str(lint_imports), "--config", str(ROOT / ".importlinter"), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
