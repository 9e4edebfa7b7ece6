"""
Quickstart
==========

Explain a random forest on the diabetes data with sklime.

Run with ``python examples/quickstart.py``; it takes a few seconds and needs
pandas (``pip install -e ".[pandas]"`` from a checkout), not matplotlib.
"""

from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.frozen import FrozenEstimator

from sklime import LimeExplainer

X, y = load_diabetes(return_X_y=True, as_frame=True)
model = RandomForestRegressor(n_estimators=100, random_state=0).fit(X, y)

# lime's default setting: quartile bins, the 5 most important features per row.
lime = LimeExplainer(
    FrozenEstimator(model), discretizer="quartile", num_features=5, random_state=0
)
lime.fit(X)
explanation = lime.explain(X.iloc[:100])

print(f"Explained {len(explanation)} rows; coefficient matrix {explanation.coef.shape}")
# The two predictions at a row differ: the surrogate is a weighted linear fit
# over the whole neighborhood of perturbations, not an interpolation through
# the row, so it need not reproduce the model's value at the row itself.
print(
    f"Row 0: model predicts {explanation.model_prediction[0, 0]:.1f}, "
    f"surrogate {explanation.local_prediction[0, 0]:.1f} (the surrogate is a "
    "linear fit over the whole neighborhood, not an interpolation through the row)"
)
for description, weight in explanation.as_list(0):
    print(f"  {description:>28s}  {weight:+8.2f}")
