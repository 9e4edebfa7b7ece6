"""The quickstart example runs and prints an explanation."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_prints_five_features(capsys):
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Explained 100 rows; coefficient matrix (100, 10)" in out
    feature_lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(feature_lines) == 5
    assert any("bmi" in line for line in feature_lines)
