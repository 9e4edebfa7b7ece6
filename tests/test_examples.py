"""The examples and the README's code run and print what they say."""

import contextlib
import io
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def test_quickstart_prints_five_features(capsys):
    pytest.importorskip("pandas")
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Explained 100 rows; coefficient matrix (100, 10)" in out
    feature_lines = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(feature_lines) == 5
    assert any("bmi" in line for line in feature_lines)
    # It says why the surrogate's prediction at the row is not the model's.
    assert "not an interpolation through the row" in out


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_readme_example_prints_what_its_comment_shows():
    """The README's first code block prints what its ``print(...)  # ...`` says.

    In the comment, ``...`` stands for any text (the rest of a number, or
    more pairs).
    """
    pytest.importorskip("pandas")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1)
    shown = re.search(r"^print\(.*\)  # (.*)$", code, re.MULTILINE).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    assert re.fullmatch(pattern, out.getvalue().strip()), (
        f"README shows {shown!r}; the code prints {out.getvalue()!r}"
    )


def test_text_example_explains_medical_sentences(tmp_path, capsys):
    """The text gallery example runs, explains four sentences, writes its page."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    namespace = runpy.run_path(str(EXAMPLES / "plot_text_explanation.py"))
    explanation = namespace["main"](tmp_path)
    out = capsys.readouterr().out
    assert re.search(r"coefficient matrix \(4, \d+\)", out)
    assert len(explanation) == 4
    page = (tmp_path / "text_explanation.html").read_text(encoding="utf-8")
    assert '<span style="background:' in page
    assert (tmp_path / "text_explanation.png").exists()


def test_image_example_explains_digits_and_a_photo(tmp_path, capsys):
    """The image gallery example runs and draws its three pictures."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("skimage")
    import matplotlib

    matplotlib.use("Agg")
    namespace = runpy.run_path(str(EXAMPLES / "plot_image_explanation.py"))
    digits, photo = namespace["main"](tmp_path)
    out = capsys.readouterr().out
    assert "pixel weights of 100 digits: (100, 640)" in out
    assert photo.segments[0].max() >= 1
    assert (tmp_path / "image_explanations.png").exists()


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_save_example_reloads_and_compares_two_weeks(tmp_path, capsys):
    """The saving example writes two weeks' files and compares them reloaded."""
    pytest.importorskip("pandas")
    namespace = runpy.run_path(str(EXAMPLES / "plot_save_explanations.py"))
    capsys.readouterr()  # what the gallery run printed
    before, after = namespace["main"](tmp_path)
    out = capsys.readouterr().out
    assert "explained with the same settings: True" in out
    assert out.count("top features kept") == 5
    assert (tmp_path / "week_1.json").exists() and (tmp_path / "week_2.json").exists()
    assert len(before) == len(after) == 5


@pytest.mark.filterwarnings("ignore:The explanations are nearly the same")
def test_shap_example_draws_and_adds_up(tmp_path, capsys):
    """The shap gallery example draws its three figures; its sums add up."""
    pytest.importorskip("shap")
    import matplotlib

    matplotlib.use("Agg")
    namespace = runpy.run_path(str(EXAMPLES / "plot_shap_plots.py"))
    namespace["main"](tmp_path)
    out = capsys.readouterr().out
    numbers = re.search(
        r"intercept (\S+) \+ contributions (\S+) = surrogate (\S+); residual (\S+) "
        r"reaches the model's (\S+)",
        out,
    )
    base, parts, surrogate, residual, model = map(float, numbers.groups())
    assert base + parts == pytest.approx(surrogate, abs=0.15)
    assert surrogate + residual == pytest.approx(model, abs=0.15)
    for name in ["sklime_row", "waterfall", "beeswarm"]:
        assert (tmp_path / f"{name}.png").exists()
