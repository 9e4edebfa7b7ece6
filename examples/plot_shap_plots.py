"""
Drawing LIME explanations with shap's plots
===========================================

Explain a random forest on the diabetes data with sklime, then hand the
explanations to shap with :meth:`sklime.Explanation.to_shap`: one row as
sklime's bar chart and as shap's waterfall, and many rows as shap's beeswarm.
A feature's contribution is its coefficient times the row's z-score (without
discretizer), and the contributions add up, from the surrogate's intercept,
to the surrogate's prediction at the row: that is where the waterfall ends,
not at the model's prediction. Needs the ``shap``, ``plots`` and ``pandas``
extras: ``pip install "sklime[shap,plots,pandas]"``, or from a checkout
``pip install -e ".[shap,plots,pandas]"``.

Run with ``python examples/plot_shap_plots.py [--output-dir DIR]`` to also
write the figures as PNG files.
"""

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import shap
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from sklime import LimeExplainer


def main(output_dir=None):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = RandomForestRegressor(n_estimators=100, random_state=0).fit(X, y)
    lime = LimeExplainer(FrozenEstimator(model), num_features=5, random_state=0)
    explanation = lime.fit(X).explain(X.iloc[:100])

    figures = {}
    # sklime's own chart: the coefficients (per training standard deviation).
    figures["sklime_row"] = explanation.plot(0).figure

    # shap's waterfall: coefficient times z-score, from the intercept (which
    # shap labels E[f(X)]) to the surrogate's prediction f(x). Its error bars
    # are two standard errors; the 5 features not selected contribute 0.
    shap_values = explanation.to_shap()
    figures["waterfall"] = plt.figure()
    shap.plots.waterfall(shap_values[0], max_display=6, show=False)
    figures["waterfall"].tight_layout()

    # shap's beeswarm: one dot per row and feature, colored by the value.
    figures["beeswarm"] = plt.figure()
    shap.plots.beeswarm(shap_values, show=False)

    one = explanation.to_shap(0, residual=True)
    print(
        f"row 0: intercept {one.base_values:.1f} + contributions "
        f"{one.values[:-1].sum():.1f} = surrogate "
        f"{explanation.local_prediction[0, 0]:.1f}; residual "
        f"{one.values[-1]:.1f} reaches the model's "
        f"{explanation.model_prediction[0, 0]:.1f}"
    )

    if output_dir is not None:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        for name, figure in figures.items():
            figure.savefig(Path(output_dir) / f"{name}.png", dpi=100)
        print(f"figures written to {output_dir}")
    return explanation


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Draw sklime explanations with shap.")
    parser.add_argument("--output-dir", default=None)
    main(parser.parse_known_args()[0].output_dir)
    plt.show()
