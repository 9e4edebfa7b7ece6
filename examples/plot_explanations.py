"""
Looking at explanations
=======================

Explain a random forest on the diabetes data, then look at the explanations
with sklime's displays: one row as a bar chart with error bars, many rows as a
heatmap, the whole model as a summary of coefficient magnitudes, and a few
representative rows chosen by submodular pick (SP-LIME). Every picture reads
the same: red pushes the prediction up, blue pushes it down. Needs the
``plots`` and ``pandas`` extras (matplotlib and pandas): ``pip install
"sklime[pandas,plots]"``, or from a checkout ``pip install -e
".[pandas,plots]"``.

Run with ``python examples/plot_explanations.py [--output-dir DIR]`` to also
write the figures as PNG files.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from sklime import (
    CoefficientHeatmapDisplay,
    ExplanationDisplay,
    GlobalImportanceDisplay,
    LimeExplainer,
    submodular_pick,
)


def main(output_dir=None):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = RandomForestRegressor(n_estimators=100, random_state=0).fit(X, y)
    lime = LimeExplainer(
        FrozenEstimator(model), discretizer="quartile", num_features=5, random_state=0
    ).fit(X)
    explanation = lime.explain(X.iloc[:40])

    figures = {}
    # Each display keeps its figure and artists, to restyle or save them.
    row = ExplanationDisplay.from_explanation(explanation, 0)
    figures["row_explanation"] = row.figure_
    figures["heatmap"] = CoefficientHeatmapDisplay.from_explanation(explanation).figure_
    figures["summary"] = GlobalImportanceDisplay.from_explanation(explanation).figure_

    picks = submodular_pick(explanation, 3)
    print(f"representative rows (SP-LIME): {picks.tolist()}")
    for row in picks:
        print(f"  row {row}: " + ", ".join(d for d, _ in explanation.as_list(row)))
    print(explanation.to_frame().head(10).to_string())

    if output_dir is not None:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        for name, figure in figures.items():
            figure.savefig(Path(output_dir) / f"{name}.png", dpi=100)
        print(f"figures written to {output_dir}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Plot sklime explanations.")
    parser.add_argument("--output-dir", default=None)
    main(parser.parse_known_args()[0].output_dir)
    plt.show()
