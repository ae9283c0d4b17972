"""The data registry: success paths on the real files, failure paths on small local ones."""

import functools
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from pathlib import Path

import pytest

from office_hours import data
from office_hours.data import ChecksumMismatch, CorruptData, Dataset, DataUnavailable

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _sha(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(data.CACHE_ENV, str(folder))
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    return folder


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    monkeypatch.setenv(data.MIRROR_ENV, str(folder))
    return folder


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def toy(payload: bytes, **changes) -> Dataset:
    fields = dict(name="toy", path="toy/file.txt", url="https://example.org/file.txt",
                  sha256=_sha(payload), licence="none")
    return Dataset(**{**fields, **changes})


# --- the real datasets through the offline mirror -----------------------------------------


@pytest.fixture
def real_mirror(cache, monkeypatch):
    if not (SHARED / "movielens").is_dir():
        pytest.fail(f"the data mirror {SHARED} is missing; the tests need the shared data")
    monkeypatch.setenv(data.MIRROR_ENV, str(SHARED))


def test_movielens_loads_with_the_documented_shape(real_mirror):
    ml = data.movielens()
    assert ml.ratings.shape == (100_836, 4)
    assert ml.ratings["userId"].nunique() == 610
    assert ml.ratings["movieId"].nunique() == 9_724
    assert ml.ratings["rating"].between(0.5, 5.0).all()
    assert ml.movies.loc[ml.movies["movieId"] == 1, "genres"].item() == [
        "Adventure", "Animation", "Children", "Comedy", "Fantasy"]
    genres = data.genre_matrix(ml.movies)
    assert genres.shape[0] == 9_742 and genres.loc[1, "Animation"]
    assert str(ml.ratings["timestamp"].dt.tz) == "UTC"


def test_text_datasets_load(real_mirror):
    imdb = data.imdb_sample()
    assert imdb["is_valid"].sum() == 200 and len(imdb) == 1_000
    assert data.tiny_shakespeare().startswith("First Citizen:")


def test_cache_is_used_and_a_corrupted_entry_is_replaced(real_mirror, cache):
    path = data.fetch(data.TINY_SHAKESPEARE)
    assert path.parent.is_relative_to(cache)
    path.write_bytes(b"damaged")
    assert data.sha256_of(data.fetch(data.TINY_SHAKESPEARE)) == data.TINY_SHAKESPEARE.sha256


# --- failure paths -------------------------------------------------------------------------


def test_missing_offline_names_dataset_variable_and_url(cache, mirror):
    with pytest.raises(DataUnavailable) as error:
        data.fetch(data.MOVIELENS)
    message = str(error.value)
    assert "MovieLens ml-latest-small" in message
    assert "OFFICE_HOURS_MIRROR" in message
    assert data.MOVIELENS.url in message
    assert _leftovers(cache) == []


def test_checksum_mismatch_is_refused_and_not_kept(cache, mirror):
    dataset = toy(b"the real bytes")
    (mirror / "toy").mkdir()
    (mirror / "toy" / "file.txt").write_bytes(b"other bytes")
    with pytest.raises(ChecksumMismatch, match=r"toy.*refused and not kept"):
        data.fetch(dataset)
    assert _leftovers(cache) == []


def test_truncated_zip_is_a_clear_error(cache, mirror):
    truncated = (SHARED / data.MOVIELENS.path).read_bytes()[:200_000]
    dataset = Dataset(name="cut MovieLens", path="movielens/cut.zip", url="https://example.org/cut.zip",
                      sha256=_sha(truncated), licence="test")
    (mirror / "movielens").mkdir()
    (mirror / "movielens" / "cut.zip").write_bytes(truncated)
    with pytest.raises(CorruptData, match=r"cut MovieLens: .*cut\.zip is not a readable"):
        data.movielens(dataset)


# --- the download path, against a local HTTP server ----------------------------------------


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_is_verified_and_cached(cache, server):
    folder, base = server
    (folder / "file.txt").write_bytes(b"hello")
    dataset = toy(b"hello", url=f"{base}/file.txt")
    path = data.fetch(dataset)
    assert path.read_bytes() == b"hello"
    (folder / "file.txt").unlink()  # the second call must not need the server
    assert data.fetch(dataset) == path


def test_download_with_wrong_checksum_is_not_kept(cache, server):
    folder, base = server
    (folder / "file.txt").write_bytes(b"tampered")
    with pytest.raises(ChecksumMismatch):
        data.fetch(toy(b"hello", url=f"{base}/file.txt"))
    assert not (cache / "toy" / "file.txt").exists()


def test_member_of_an_archive_is_extracted_and_verified(cache, server):
    folder, base = server
    payload = b"label,text,is_valid\npositive,great,False\n"
    with tarfile.open(folder / "sample.tgz", "w:gz") as archive:
        info = tarfile.TarInfo("sample/texts.csv")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    dataset = toy(payload, path="text/sample/texts.csv", url=f"{base}/sample.tgz",
                  member="sample/texts.csv")
    assert data.fetch(dataset).read_bytes() == payload


def test_unreachable_source_names_url_and_mirror_variable(cache):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dataset = toy(b"x", url=f"http://127.0.0.1:{port}/file.txt")
    with pytest.raises(DataUnavailable) as error:
        data.fetch(dataset)
    assert dataset.url in str(error.value) and "OFFICE_HOURS_MIRROR" in str(error.value)
