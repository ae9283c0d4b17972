"""fastai 0.7's numeric preprocessing for tables, re-implemented in a few lines.

fastai 0.7 (``fastai/fastai: old/fastai/structured.py``) cannot be installed next to a modern
PyTorch, and its ``scale_vars`` needs ``sklearn_pandas``. The three functions here reproduce what
``proc_df`` does to the numeric columns of a data frame, in the same order and with the same
quirks, using only pandas and scikit-learn:

* :func:`fix_missing` fills a numeric column's missing values with its median (or the value
  recorded in ``na_dict``) and adds a boolean ``<name>_na`` column;
* :func:`scale_vars` standardises every numeric column with one ``StandardScaler`` per column,
  fitted only when no ``mapper`` is passed in;
* :func:`proc_numeric` runs both as ``proc_df`` does: ``fix_missing`` on every column, drop the
  ``_na`` columns that a given ``na_dict`` did not ask for, then ``scale_vars``.

The "mapper" is a plain ``dict`` from column name to fitted ``StandardScaler`` instead of a
``sklearn_pandas.DataFrameMapper``; it holds the same statistics (mean, population SD).
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.preprocessing import StandardScaler

Mapper = dict[str, StandardScaler]


# --8<-- [start:fix_missing]
def fix_missing(df: pd.DataFrame, col: pd.Series, name: str, na_dict: dict) -> dict:
    """Fill ``df[name]`` with ``na_dict[name]`` (else its own median) and flag the gaps.

    As in fastai 0.7: only numeric columns are touched, and only if they have a missing value or
    are named in ``na_dict``; the filler used is written back into ``na_dict``.
    """
    if is_numeric_dtype(col) and (col.isna().any() or name in na_dict):
        df[name + "_na"] = col.isna()
        filler = na_dict[name] if name in na_dict else col.median()
        df[name] = col.fillna(filler)
        na_dict[name] = filler
    return na_dict


# --8<-- [end:fix_missing]


# --8<-- [start:scale_vars]
def scale_vars(df: pd.DataFrame, mapper: Mapper | None = None) -> Mapper:
    """Standardise the numeric columns of ``df`` in place; fit scalers only if ``mapper`` is None.

    Pass the returned mapper back in to scale later rows with the statistics of the first call.
    Boolean columns count as numeric (as in fastai), so ``_na`` flags are standardised too.
    """
    if mapper is None:
        mapper = {
            n: StandardScaler().fit(df[[n]].to_numpy(dtype=float))
            for n in df.columns
            if is_numeric_dtype(df[n])
        }
    for n, scaler in mapper.items():
        df[n] = scaler.transform(df[[n]].to_numpy(dtype=float))[:, 0]
    return mapper


# --8<-- [end:scale_vars]


def proc_numeric(
    df: pd.DataFrame, na_dict: dict | None = None, mapper: Mapper | None = None
) -> tuple[pd.DataFrame, dict, Mapper]:
    """The numeric part of fastai 0.7's ``proc_df(df, do_scale=True, na_dict=..., mapper=...)``.

    Returns a processed copy of ``df``, the ``na_dict`` (column → filler) and the mapper. Called
    on training rows with no arguments it fits both; called on later rows with the returned
    ``na_dict`` and ``mapper`` it reuses them, with fastai's quirk: a column that had no missing
    value in training but has one now is filled with the median of the *new* rows, and its new
    ``_na`` column is dropped only when ``na_dict`` was non-empty.
    """
    df = df.copy()
    na_dict = {} if na_dict is None else dict(na_dict)
    initial = dict(na_dict)
    for name, col in list(df.items()):
        na_dict = fix_missing(df, col, name, na_dict)
    if initial:
        df = df.drop(columns=[n + "_na" for n in set(na_dict) - set(initial)])
    mapper = scale_vars(df, mapper)
    return df, na_dict, mapper
