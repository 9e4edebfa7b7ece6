"""
Explaining a text classifier word by word
=========================================

A small real corpus: the sentences of the data set descriptions that
scikit-learn ships, labeled by whether the data set is medical (breast
cancer, diabetes) or not. A tf-idf and logistic regression pipeline learns the
label; :class:`sklime.LimeTextExplainer` explains which words made it decide,
for many sentences at once. Needs the ``plots`` extra (matplotlib):
``pip install "sklime[plots]"``, or from a checkout ``pip install -e
".[plots]"``.

Run with ``python examples/plot_text_explanation.py [--output-dir DIR]`` to
also write the figure and the highlighted sentences as files.
"""

import argparse
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklime import LimeTextExplainer

#: Descriptions of medical data sets: the positive class.
MEDICAL = ("breast_cancer", "diabetes")


def sentences():
    """Sentences of scikit-learn's data set descriptions, and their labels."""
    folder = Path(sklearn.datasets.__file__).parent / "descr"
    texts, labels = [], []
    for path in sorted(folder.glob("*.rst")):
        text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
        for sentence in re.split(r"(?<=[.!?]) ", text):
            if len(re.findall(r"\w+", sentence)) >= 6:
                texts.append(sentence)
                labels.append(int(path.stem in MEDICAL))
    return texts, np.array(labels)


def main(output_dir=None):
    texts, labels = sentences()
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(C=10))
    model.fit(texts, labels)
    lime = LimeTextExplainer(
        FrozenEstimator(model), num_features=6, random_state=0
    ).fit(texts)

    # Explain a few medical sentences, all in one call.
    medical = [t for t, y in zip(texts, labels, strict=True) if y == 1][:4]
    explanation = lime.explain(medical)
    for row, text in enumerate(medical):
        print(f"{text[:70]}...")
        for word, weight in explanation.as_list(row, output=1)[:3]:
            print(f"  {word:>12} {weight:+.3f}")

    # The sparse coefficient matrix over the vocabulary: one row per sentence.
    coef = lime.transform(medical)
    print(f"coefficient matrix {coef.shape}, {coef.nnz} non-zero")

    ax = explanation.plot(0, output=1)
    if output_dir:
        folder = Path(output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(folder / "text_explanation.png")
        explanation.save_html(folder / "text_explanation.html", output=1)
    return explanation


# %%
# Explain four medical sentences (``--output-dir DIR`` also writes the bar
# chart and the highlighted sentences as files).
parser = argparse.ArgumentParser(description="Explain a text classifier.")
parser.add_argument("--output-dir", default=None)
explanation = main(parser.parse_known_args()[0].output_dir)
plt.show()

# %%
# Each sentence highlighted: green words push towards "medical", red ones
# away; hover a word for its weight.
explanation  # noqa: B018 (the gallery shows the last value: the highlighted HTML)
