"""Oracle tests for office_hours.models.tabular: fastai 0.7's fix_missing / scale_vars re-implemented."""

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from office_hours.models import tabular


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, 10.0], "b": [5.0, 2.0, 2.0, 7.0], "s": list("xyxy")}
    )
    valid = pd.DataFrame({"a": [np.nan, 4.0], "b": [np.nan, 3.0], "s": list("xx")})
    return train, valid


def test_fix_missing_fills_median_and_flags():
    train, _ = frames()
    na_dict = tabular.fix_missing(train, train["a"], "a", {})
    assert na_dict == {"a": 3.0}
    assert train["a"].tolist() == [1.0, 3.0, 3.0, 10.0]
    assert train["a_na"].tolist() == [False, True, False, False]
    # a column without gaps and not in na_dict is left alone, strings are never touched
    before = train.copy()
    assert tabular.fix_missing(train, train["b"], "b", na_dict) == {"a": 3.0}
    tabular.fix_missing(train, train["s"], "s", na_dict)
    pd.testing.assert_frame_equal(train, before)


def test_scale_vars_reuses_training_statistics():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 6.0], "flag": [True, False, False, False]})
    valid = pd.DataFrame({"x": [0.0, 10.0], "flag": [False, True]})
    mapper = tabular.scale_vars(train)
    assert set(mapper) == {"x", "flag"}  # booleans count as numeric, as in fastai
    tabular.scale_vars(valid, mapper)
    mean, sd = 3.0, np.std([1.0, 2.0, 3.0, 6.0])  # population SD (ddof=0)
    np.testing.assert_allclose(valid["x"], (np.array([0.0, 10.0]) - mean) / sd, atol=1e-12)
    np.testing.assert_allclose(train["x"].mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(train["x"].std(ddof=0), 1.0, atol=1e-12)


def test_proc_numeric_train_then_valid():
    train, valid = frames()
    df_tr, na_dict, mapper = tabular.proc_numeric(train)
    assert na_dict == {"a": 3.0}
    assert list(df_tr.columns) == ["a", "b", "s", "a_na"]
    df_va, na_va, _ = tabular.proc_numeric(valid, na_dict=na_dict, mapper=mapper)
    # 'a' is filled with the TRAINING median, then scaled with training statistics
    a_tr = np.array([1.0, 3.0, 3.0, 10.0])
    expected = (np.array([3.0, 4.0]) - a_tr.mean()) / a_tr.std()
    np.testing.assert_allclose(df_va["a"], expected, atol=1e-12)
    # quirk: 'b' had no gap in training, so its gap is filled with the VALIDATION median (3.0),
    # and the new b_na column is dropped because na_dict was non-empty
    assert na_va["b"] == 3.0
    assert "b_na" not in df_va.columns
    assert list(df_va.columns) == list(df_tr.columns)


def test_proc_numeric_matches_sklearn_pipeline():
    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.normal(size=(50, 3)) * [1, 10, 100], columns=["p", "q", "r"])
    train.loc[rng.choice(50, 8, replace=False), "q"] = np.nan
    valid = pd.DataFrame(rng.normal(size=(20, 3)), columns=["p", "q", "r"])
    valid.loc[[1, 5], "q"] = np.nan
    _, na_dict, mapper = tabular.proc_numeric(train)
    df_va, _, _ = tabular.proc_numeric(valid, na_dict=na_dict, mapper=mapper)
    pipe = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler())
    pipe.fit(train.to_numpy())
    expected = pipe.transform(valid.to_numpy())
    np.testing.assert_allclose(expected, df_va.to_numpy(dtype=float), atol=1e-12)
