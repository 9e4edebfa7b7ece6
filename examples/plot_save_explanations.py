"""
Saving explanations and comparing them later
============================================

Explanations are often looked at again: next week, after the model was
retrained, or on another machine. :meth:`sklime.Explanation.save` writes an
explanation to a JSON file that :func:`sklime.load_explanation` reads back
bit for bit (no trust needed: reading runs nothing the file names), with the
explainer's settings and the sklime version that made it. Here this week's
explanations of a few patients are saved, the model is retrained on more
data ("next week"), and the new explanations are compared with the saved
ones.

Run with ``python examples/plot_save_explanations.py [--output-dir DIR]`` to
keep the two files.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import Ridge

from sklime import LimeExplainer, load_explanation


def explain_week(X, y, n_train, rows):
    """Fit a model on the first ``n_train`` patients and explain ``rows``."""
    model = Ridge(alpha=0.1).fit(X.iloc[:n_train], y[:n_train])
    lime = LimeExplainer(FrozenEstimator(model), num_features=4, random_state=0)
    return lime.fit(X.iloc[:n_train]).explain(rows)


def main(output_dir=None):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    patients = X.iloc[-5:]
    folder = Path(output_dir or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)

    # This week: explain five patients and keep the explanations.
    explain_week(X, y, 200, patients).save(folder / "week_1.json")

    # Next week: the model is retrained on more patients.
    explain_week(X, y, 400, patients).save(folder / "week_2.json")

    # Later, anywhere: read both back and compare them.
    before = load_explanation(folder / "week_1.json")
    after = load_explanation(folder / "week_2.json")
    same = before.settings == after.settings
    print(f"saved by sklime {before.sklime_version}, {len(before)} patients")
    print(f"explained with the same settings: {same}")
    for row in range(len(before)):
        old = [name for name, _ in before.as_list(row)]
        new = [name for name, _ in after.as_list(row)]
        kept = len(set(old) & set(new))
        print(f"patient {row}: {kept} of {len(old)} top features kept; now {new}")
    change = np.abs(after.coef - before.coef).max()
    print(f"largest change of a coefficient: {change:.3g}")
    return before, after


# %%
# Explain five patients with this week's and next week's model, save both,
# read them back and compare their top features.
parser = argparse.ArgumentParser(description="Save and compare explanations.")
parser.add_argument("--output-dir", default=None)
before, after = main(parser.parse_known_args()[0].output_dir)

# %%
# A loaded explanation is a full explanation: its tables and plots work as
# they did before saving.
after.to_frame().head(8)
