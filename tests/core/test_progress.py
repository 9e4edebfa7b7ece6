"""Progress reports of long transforms."""

import logging
import sys

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression

from sklime import LimeExplainer


def _explainer(verbose):
    X, y = load_diabetes(return_X_y=True)
    model = FrozenEstimator(LinearRegression().fit(X, y))
    return X, LimeExplainer(model, num_samples=200, verbose=verbose).fit(X)


def test_silent_by_default(caplog, capsys):
    X, lime = _explainer(0)
    with caplog.at_level(logging.INFO, logger="sklime"):
        lime.transform(X[:50])
    assert not caplog.records
    assert capsys.readouterr().err == ""


def test_logs_each_chunk_without_tqdm(caplog, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    X, lime = _explainer(1)
    with (
        caplog.at_level(logging.INFO, logger="sklime"),
        config_context(working_memory=0.05),  # chunks of a few rows
    ):
        lime.transform(X[:50])
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) > 1
    assert messages[-1].startswith("explained 50/50 rows (100%)")
    assert all("rows/s" in m and "left" in m for m in messages)


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    X, lime = _explainer(1)
    coef = lime.transform(X[:30])
    assert "30/30" in capsys.readouterr().err
    np.testing.assert_array_equal(coef, lime.set_params(verbose=0).transform(X[:30]))
