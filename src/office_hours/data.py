"""The dataset registry: sha256-pinned sources, a local cache, an offline mirror, loaders.

Every dataset has its official source URL and the sha256 of the file the loader reads.
:func:`fetch` returns a verified path in the cache (``$OFFICE_HOURS_DATA``, default the
user cache dir). It fills the cache from ``$OFFICE_HOURS_MIRROR`` when that is set (a
folder laid out like the project's ``shared/data``: no network is used) and otherwise
downloads with pooch. A file whose checksum does not match is refused and not kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import platformdirs

CACHE_ENV = "OFFICE_HOURS_DATA"
MIRROR_ENV = "OFFICE_HOURS_MIRROR"


class DataError(RuntimeError):
    """A dataset could not be provided; the message says which and what to do."""


class DataUnavailable(DataError):
    """The file is neither in the cache nor in the mirror, and could not be downloaded."""


class ChecksumMismatch(DataError):
    """A file's sha256 differs from the pinned one; the file was not kept."""


class CorruptData(DataError):
    """A file with the right checksum could not be parsed as expected."""


@dataclass(frozen=True)
class Dataset:
    """One pinned file: where it comes from and what its bytes must hash to."""

    name: str
    path: str  # relative path in the cache and in the mirror
    url: str  # official source
    sha256: str  # of the file at ``path`` (the file the loader reads)
    licence: str
    member: str | None = None  # path of ``path`` inside the archive at ``url``, if any


MOVIELENS = Dataset(
    name="MovieLens ml-latest-small",
    path="movielens/ml-latest-small.zip",
    url="https://files.grouplens.org/datasets/movielens/ml-latest-small.zip",
    sha256="696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
    licence="GroupLens research licence (cite Harper & Konstan 2015; non-commercial)",
)
IMDB_SAMPLE = Dataset(
    name="fast.ai IMDB sample",
    path="text/imdb_sample/texts.csv",
    url="https://s3.amazonaws.com/fast-ai-sample/imdb_sample.tgz",
    sha256="91240460ea1226e2ebe64689addc2a3d7a0fd233ee42a589aec222ea973ac242",
    licence="IMDb user reviews via Maas et al. 2011 (cite the paper); no explicit licence",
    member="imdb_sample/texts.csv",
)
TINY_SHAKESPEARE = Dataset(
    name="Tiny Shakespeare",
    path="text/tinyshakespeare/input.txt",
    url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    licence="public domain text (char-rnn repository, MIT)",
)
REGISTRY: dict[str, Dataset] = {
    "movielens": MOVIELENS,
    "imdb_sample": IMDB_SAMPLE,
    "tiny_shakespeare": TINY_SHAKESPEARE,
}


READS: dict[str, str] = {}
"""The datasets fetched in this process, path → pinned sha256. The site build reads it at the end
of a demo's run: a demo's cache key holds the checksums of the datasets it read, and only those."""


def cache_dir() -> Path:
    """The cache folder: ``$OFFICE_HOURS_DATA`` or the user cache dir."""
    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("office-hours"))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _install_verified(dataset: Dataset, candidate: Path, target: Path, origin: str) -> None:
    """Move ``candidate`` to ``target`` if its checksum matches; otherwise delete it and raise."""
    actual = sha256_of(candidate)
    if actual != dataset.sha256:
        candidate.unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"{dataset.name}: the file from {origin} has sha256 {actual}, expected "
            f"{dataset.sha256}. It was refused and not kept. Replace it with the original "
            f"file from {dataset.url}."
        )
    os.replace(candidate, target)


def _from_mirror(dataset: Dataset, mirror: Path, target: Path) -> None:
    source = mirror / dataset.path
    if not source.is_file():
        raise DataUnavailable(
            f"{dataset.name} is not in the offline mirror: {source} does not exist. "
            f"{MIRROR_ENV}={mirror} is set, so nothing is downloaded. Put the file there "
            f"(official source: {dataset.url}) or unset {MIRROR_ENV} to download it."
        )
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    os.close(fd)
    shutil.copyfile(source, tmp)
    _install_verified(dataset, Path(tmp), target, origin=str(source))


def _download(dataset: Dataset, target: Path) -> None:
    import pooch  # only here: importing it in a notebook kernel warns about progress bars

    downloads = target.parent / ".downloads"
    try:
        if dataset.member is None:
            # pooch verifies the hash itself and deletes a mismatching download
            got = pooch.retrieve(
                dataset.url, known_hash=f"sha256:{dataset.sha256}",
                path=downloads, progressbar=False,
            )
        else:
            # the archive is not pinned, the member we read is: check it below
            archive_name = Path(dataset.url).name
            members = pooch.retrieve(
                dataset.url, known_hash=None, fname=archive_name, path=downloads,
                processor=pooch.Untar(members=[dataset.member])
                if ".tar" in archive_name or archive_name.endswith(".tgz")
                else pooch.Unzip(members=[dataset.member]),
                progressbar=False,
            )
            got = members[0]
    except ValueError as error:  # pooch's checksum mismatch
        raise ChecksumMismatch(
            f"{dataset.name}: the download from {dataset.url} did not match sha256 "
            f"{dataset.sha256} and was not kept ({error})."
        ) from error
    except Exception as error:  # network errors come in many types
        raise DataUnavailable(
            f"{dataset.name} could not be downloaded from {dataset.url} ({error}). "
            f"Offline, set {MIRROR_ENV} to a folder holding {dataset.path}."
        ) from error
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    os.close(fd)
    shutil.move(got, tmp)
    _install_verified(dataset, Path(tmp), target, origin=dataset.url)


def fetch(dataset: Dataset) -> Path:
    """Return the path of ``dataset``'s verified file in the cache, filling the cache if needed."""
    READS[dataset.path] = dataset.sha256
    target = cache_dir() / dataset.path
    if target.is_file():
        if sha256_of(target) == dataset.sha256:
            return target
        target.unlink()  # corrupted or stale cache entry: fetch it again
    target.parent.mkdir(parents=True, exist_ok=True)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        _from_mirror(dataset, Path(mirror), target)
    else:
        _download(dataset, target)
    return target


# --- loaders -------------------------------------------------------------------------


class MovieLens(NamedTuple):
    """MovieLens ml-latest-small: 100,836 ratings of 9,742 movies by 610 users."""

    ratings: pd.DataFrame  # userId, movieId, rating, timestamp (UTC datetime)
    movies: pd.DataFrame  # movieId, title, genres (list of str)
    tags: pd.DataFrame  # userId, movieId, tag, timestamp


_MOVIELENS_ROWS = {"ratings": 100_836, "movies": 9_742, "tags": 3_683}


def _expect_rows(dataset: Dataset, table: str, frame: pd.DataFrame, expected: int) -> None:
    if len(frame) != expected:
        raise CorruptData(
            f"{dataset.name}: {table} has {len(frame)} rows, expected {expected}. "
            f"Delete the cached file {cache_dir() / dataset.path} and fetch it again."
        )


def movielens(dataset: Dataset = MOVIELENS) -> MovieLens:
    """Load ratings, movies (genres split into lists) and tags of MovieLens ml-latest-small."""
    path = fetch(dataset)
    tables = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for table in _MOVIELENS_ROWS:
                with archive.open(f"ml-latest-small/{table}.csv") as f:
                    tables[table] = pd.read_csv(io.BytesIO(f.read()))
    except (zipfile.BadZipFile, KeyError, EOFError, zipfile.LargeZipFile) as error:
        raise CorruptData(
            f"{dataset.name}: {path} is not a readable MovieLens archive ({error}). "
            f"Delete it and fetch the original from {dataset.url}."
        ) from error
    for table, expected in _MOVIELENS_ROWS.items():
        _expect_rows(dataset, table, tables[table], expected)
    for table in ("ratings", "tags"):
        tables[table]["timestamp"] = pd.to_datetime(tables[table]["timestamp"], unit="s", utc=True)
    movies = tables["movies"]
    movies["genres"] = [
        [] if g == "(no genres listed)" else g.split("|") for g in movies["genres"]
    ]
    return MovieLens(ratings=tables["ratings"], movies=movies, tags=tables["tags"])


def genre_matrix(movies: pd.DataFrame) -> pd.DataFrame:
    """Multi-hot genres: one boolean column per genre, indexed by movieId."""
    exploded = movies[["movieId", "genres"]].explode("genres").dropna()
    table = pd.crosstab(exploded["movieId"], exploded["genres"]).astype(bool)
    return table.reindex(movies["movieId"], fill_value=False)


def imdb_sample(dataset: Dataset = IMDB_SAMPLE) -> pd.DataFrame:
    """fast.ai's IMDB sample: 1,000 reviews with ``label``, ``text`` and ``is_valid`` (800/200)."""
    path = fetch(dataset)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise CorruptData(f"{dataset.name}: {path} is not a readable CSV ({error}).") from error
    if list(frame.columns) != ["label", "text", "is_valid"]:
        raise CorruptData(
            f"{dataset.name}: {path} has columns {list(frame.columns)}, "
            "expected ['label', 'text', 'is_valid']."
        )
    _expect_rows(dataset, "texts.csv", frame, 1_000)
    return frame


def tiny_shakespeare(dataset: Dataset = TINY_SHAKESPEARE) -> str:
    """Karpathy's Tiny Shakespeare: 1,115,394 characters of plain text."""
    text = fetch(dataset).read_text(encoding="ascii")
    if len(text) != 1_115_394:
        raise CorruptData(f"{dataset.name}: {len(text)} characters, expected 1,115,394.")
    return text


SIMILARITY_FILES = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}


def load_similarity(name: str) -> pd.DataFrame:
    """A word-similarity benchmark shipped with gensim: ``"wordsim353"`` or ``"simlex999"``.

    Returns columns word1, word2 (lower-cased) and score (the human mean rating).
    """
    from gensim.test.utils import datapath

    path = Path(datapath(SIMILARITY_FILES[name]))
    frame = pd.read_csv(
        path, sep="\t", comment="#", header=None, names=["word1", "word2", "score"]
    )
    frame["word1"] = frame["word1"].str.lower()
    frame["word2"] = frame["word2"].str.lower()
    return frame
