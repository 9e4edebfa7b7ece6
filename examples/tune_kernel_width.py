"""
Tune LIME's kernel width with choose_width
==========================================

A narrow kernel gives explanations that adhere to the model but change with
the draw of perturbations; a wide one gives stable explanations that no longer
describe the model near the row. ``sklime.metrics.lime_scorers`` measures, for
every candidate width, the *adherence* (weighted R^2 of the surrogates on fresh
perturbations of the candidate's own neighborhood) and the *stability* (top-k
features agreeing across seeds); ``sklime.metrics.optilime_refit`` picks the
widest width whose adherence reaches a threshold (OptiLIME's rule).
``sklime.metrics.choose_width`` scores the widths with the statistics of an
explainer fitted on the training data and applies the rule.

The model here has a known scale of local linearity:
``f(x) = sum_j a_j sin(x_j / r)`` on standardized features, for r = 0.5, 1 and 2.
The tuned width grows with r. The fixed-neighborhood score
(``LimeExplainer.score``, the "fidelity" line) peaks near its own
``fidelity_width`` whatever r: it cannot tell the three models apart.
With ``sampling="gaussian"`` the width is the standard deviation of the
perturbations in units of each feature's standard deviation. Needs matplotlib
(``pip install sklime[plots]``).

Run with ``python examples/tune_kernel_width.py [--output figure.png]``: with
``--output`` the figure is written to that file, without it the figure is shown
(and, in the documentation's gallery, rendered below the output).
"""

import argparse

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklime import KernelWidthDisplay, LimeExplainer
from sklime.metrics import choose_width

SCALES = [0.5, 1.0, 2.0]
WIDTHS = np.geomspace(0.1, 3.2, 21).round(3).tolist()
COEF = np.array([1.0, 0.8, 0.6, 0.4, 0.2, 0.0])
MIN_ADHERENCE = 0.9


def sine_model(X, r):
    """A fitted model computing ``sum_j COEF_j * sin(x_j / r)`` exactly."""
    model = make_pipeline(
        StandardScaler(with_mean=False), FunctionTransformer(np.sin), LinearRegression()
    )
    return model.fit(r * X, np.sin(X) @ COEF)


def main(output):
    rng = np.random.default_rng(0)
    X = StandardScaler().fit_transform(rng.uniform(size=(300, len(COEF))))
    results = {}
    for r in SCALES:
        lime = LimeExplainer(
            FrozenEstimator(sine_model(X, r)),
            sampling="gaussian",
            num_samples=512,
            random_state=0,
        ).fit(X)
        width, scores = choose_width(
            lime, X[:40], WIDTHS, min_adherence=MIN_ADHERENCE, top_k=3
        )
        results[r] = width, scores
        print(
            f"r = {r}: tuned kernel_width = {width}, the fixed-neighborhood "
            f"score prefers {WIDTHS[np.argmax(scores.fidelity)]}"
        )
    _plot(results, output)
    if output:
        print(f"figure written to {output}")


def _plot(results, output):
    """Adherence, stability and fidelity against the width, one panel per r."""
    import matplotlib

    if output:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(results), figsize=(9, 3.2), sharey=True, layout="constrained"
    )
    for ax, (r, (width, scores)) in zip(axes, results.items(), strict=True):
        display = KernelWidthDisplay(
            **scores, min_adherence=MIN_ADHERENCE, chosen_width=width, title=f"r = {r}"
        )
        display.plot(ax=ax)
        ax.label_outer()  # one score label for the row of panels
    if output:
        fig.savefig(output, dpi=120)
        plt.close(fig)
    else:
        plt.show()  # under sphinx-gallery the open figure is scraped instead


if __name__ == "__main__":
    # Not __doc__: sphinx-gallery runs the code without the module docstring.
    parser = argparse.ArgumentParser(
        description="Tune LIME's kernel width with choose_width."
    )
    parser.add_argument(
        "--output", default=None, help="write the figure to this file (PNG, ...)"
    )
    main(parser.parse_args().output)
