"""The demo pipeline on a throwaway project: the per-demo cache, claim checks, failure messages,
interrupts, shards and the no-op site build.

The project copies the demo runtime (``office_hours/{__init__,claims,data}.py``) into its own
``src/`` and adds small stand-ins for the models, the hooks and the scaffold, so that its demos
import real project files (the build puts the project's ``src/`` first on the kernel's path).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from office_hours.site import build
from office_hours.site.build import BuildError
from tests.conftest import commit_all

RUNTIME = ("__init__.py", "claims.py", "data.py")
STAND_INS = {
    "models/__init__.py": "",
    "models/glove.py": "DIM = 2\n",
    "models/mf.py": "FACTORS = 3\n",
    "site/__init__.py": "",
    "site/hooks.py": "HOOKED = True\n",
    "site/scaffold.py": "SCAFFOLD = True\n",
}
# demo slug -> (import line, the measured value); each checks one claim, "<slug>-holds"
DEMOS = {
    "uses-glove": ("from office_hours.models.glove import DIM as MEASURED", 2),
    "uses-mf": ("from office_hours.models.mf import FACTORS as MEASURED", 3),
    "reads-shakespeare": (
        "from office_hours import data\n"
        "MEASURED = int(data.fetch(data.TINY_SHAKESPEARE).read_text() > '')", 1,
    ),
    "reads-imdb": (
        "from office_hours import data\n"
        "MEASURED = int(data.fetch(data.IMDB_SAMPLE).read_text() > '')", 1,
    ),
}
FAKE_DATA = {"reads-shakespeare": ("TINY_SHAKESPEARE", "to be"),
             "reads-imdb": ("IMDB_SAMPLE", "a,b,c\n1")}

PAGE = """---
title: "Does {slug} hold?"
claims:
  - id: {slug}-holds
    text: "it holds"
---

# Does {slug} hold?
"""

DEMO = """# %% [markdown]
# # {slug}
# %%
import os
import time
from office_hours.claims import claim
{imports}
time.sleep(float(os.environ.get("DEMO_SLEEP", "0")))
# %%
claim("{slug}-holds", MEASURED, "==", {expected})
"""


def write_demo(project: Path, slug: str, imports: str, expected: int) -> None:
    (project / "docs" / "questions" / f"{slug}.md").write_text(PAGE.format(slug=slug))
    (project / "demos" / f"{slug}.py").write_text(
        DEMO.format(slug=slug, imports=imports, expected=expected)
    )


def set_fake_dataset(project: Path, mirror: Path, name: str, text: str) -> None:
    """Put ``text`` in the mirror as dataset ``name`` and pin its sha256 in the project's data.py."""
    from office_hours import data

    dataset = getattr(data, name)
    (mirror / dataset.path).parent.mkdir(parents=True, exist_ok=True)
    (mirror / dataset.path).write_text(text)
    registry = project / "src" / "office_hours" / "data.py"
    source = registry.read_text()
    current = build.dataset_pins(project)[dataset.path]
    registry.write_text(source.replace(current, hashlib.sha256(text.encode()).hexdigest()))


def make_project(root: Path, repo: Path, demos: dict = DEMOS) -> Path:
    project = root / "project"
    package = project / "src" / "office_hours"
    (package / "models").mkdir(parents=True)
    (package / "site").mkdir()
    shutil.copy(repo / "pyproject.toml", project / "pyproject.toml")
    for name in RUNTIME:
        shutil.copy(repo / "src" / "office_hours" / name, package / name)
    for name, text in STAND_INS.items():
        (package / name).write_text(text)
    (project / "docs" / "questions").mkdir(parents=True)
    (project / "demos").mkdir()
    for slug, (imports, expected) in demos.items():
        write_demo(project, slug, imports, expected)
    return project


@pytest.fixture
def project(tmp_path, root, monkeypatch):
    project = make_project(tmp_path, root)
    mirror = tmp_path / "mirror"
    for name, text in FAKE_DATA.values():
        set_fake_dataset(project, mirror, name, text)
    monkeypatch.setenv("OFFICE_HOURS_MIRROR", str(mirror))
    monkeypatch.setenv("OFFICE_HOURS_DATA", str(tmp_path / "data-cache"))
    return project


def run(project: Path, **kwargs) -> tuple[dict[str, build.DemoRecord], list[str]]:
    lines: list[str] = []
    records = build.build_demos(project, log=lines.append, **kwargs)
    return records, lines


def executed(records: dict[str, build.DemoRecord]) -> set[str]:
    return {slug for slug, r in records.items() if not r.cached}


@pytest.mark.slow
def test_each_demo_reruns_only_when_its_own_inputs_change(project, tmp_path):
    records, _ = run(project)
    assert executed(records) == set(DEMOS)
    [result] = records["uses-glove"].claims
    assert (result["id"], result["passed"], result["shown"]) == ("uses-glove-holds", True, "2, needs = 2")
    glove = records["uses-glove"].inputs
    assert "src/office_hours/models/glove.py" in glove["src"]
    assert "src/office_hours/models/mf.py" not in glove["src"]
    assert "ipykernel" in glove["distributions"] and "numpy" in glove["distributions"]
    assert set(records["reads-imdb"].inputs["data"]) == {"text/imdb_sample/texts.csv"}
    assert run(project)[0].keys() == set(DEMOS) and not executed(run(project)[0])

    # a model file: only the demo importing it runs again, and the build says why
    package = project / "src" / "office_hours"
    (package / "models" / "glove.py").write_text("DIM = 2  # edited\n")
    records, lines = run(project)
    assert executed(records) == {"uses-glove"}
    assert any("uses-glove" in line and "src changed: office_hours/models/glove.py" in line
               for line in lines), lines

    # the hooks and the scaffold: nothing runs
    (package / "site" / "hooks.py").write_text("HOOKED = False\n")
    (package / "site" / "scaffold.py").write_text("SCAFFOLD = False\n")
    assert not executed(run(project)[0])

    # one dataset's pinned checksum (in data.py, which every demo here imports): only its reader
    set_fake_dataset(project, tmp_path / "mirror", "TINY_SHAKESPEARE", "not to be")
    records, lines = run(project)
    assert executed(records) == {"reads-shakespeare"}
    assert any("data changed: text/tinyshakespeare/input.txt" in line for line in lines), lines


def test_stale_reasons_name_each_kind_of_input(project, tmp_path):
    checkout = build.Checkout(project)
    question = next(q for q in build.discover(project) if q.slug == "reads-imdb")
    demo = question.demo.relative_to(project).as_posix()
    inputs = {
        "demo": checkout.file_digest(demo),
        "src": {"src/office_hours/data.py": checkout.file_digest("src/office_hours/data.py")},
        "files": {},
        "distributions": {"numpy": checkout.installed["numpy"]},
        "data": {"text/imdb_sample/texts.csv": checkout.pins["text/imdb_sample/texts.csv"]},
        "kernel": checkout.kernel,
    }
    record = build.DemoRecord("reads-imdb", build.inputs_key(inputs), 1.0, "", {}, inputs=inputs)
    assert checkout.stale_reasons(question, record) == []
    assert checkout.stale_reasons(question, None) == ["never run"]

    def reasons(**changed):
        edited = {**inputs, **changed}
        return checkout.stale_reasons(question, build.DemoRecord(
            "reads-imdb", build.inputs_key(edited), 1.0, "", {}, inputs=edited))

    assert reasons(distributions={"numpy": "0.1"}) == [
        f"packages changed: numpy 0.1 → {checkout.installed['numpy']}"]
    assert reasons(data={"text/imdb_sample/texts.csv": "0" * 64}) == [
        "data changed: text/imdb_sample/texts.csv"]
    assert reasons(kernel={**checkout.kernel, "python": "2.7"}) == ["kernel environment changed"]
    assert reasons(demo="0") == ["demo changed"]
    tampered = build.DemoRecord("reads-imdb", "0" * 64, 1.0, "", {}, inputs=inputs)
    assert checkout.stale_reasons(question, tampered) == ["record's key does not match its inputs"]


@pytest.mark.slow
def test_failing_claim_names_question_cell_and_claim_and_keeps_old_results(project):
    good = run(project, only=["uses-mf"])[0]["uses-mf"]
    write_demo(project, "uses-mf", DEMOS["uses-mf"][0], 4)
    with pytest.raises(BuildError) as error:
        run(project, only=["uses-mf"])
    message = str(error.value)
    assert "Does uses-mf hold?" in message
    assert "cell 2 (`claim(\"uses-mf-holds\"" in message
    assert "ClaimFailed" in message and "uses-mf-holds" in message
    assert set(error.value.failures) == {"uses-mf"} and not error.value.records
    assert build.load_record(project / "build", "uses-mf") == good


def test_declared_and_checked_claims_must_agree(project):
    question = next(q for q in build.discover(project) if q.slug == "uses-mf")
    holds = {"id": "uses-mf-holds", "passed": True, "shown": "3, needs = 3"}
    build.check_claims(question, [holds])
    with pytest.raises(BuildError, match="declared on the page but the demo never checks it"):
        build.check_claims(question, [])
    with pytest.raises(BuildError, match=r"'extra' is checked by the demo but not declared"):
        build.check_claims(question, [holds, {"id": "extra", "passed": True, "shown": "1"}])
    with pytest.raises(BuildError, match=r"'uses-mf-holds' did not hold \(4, needs = 3\)"):
        failed = {"id": "uses-mf-holds", "passed": False, "shown": "4, needs = 3"}
        build.check_claims(question, [failed])


def test_page_without_demo_is_an_error(project):
    (project / "demos" / "uses-mf.py").unlink()
    with pytest.raises(BuildError, match=r"uses-mf\.md has no demo"):
        build.discover(project)


def test_shards_balance_the_last_run_times_deterministically(project):
    questions = build.discover(project)
    times = {"reads-imdb": 30.0, "reads-shakespeare": 20.0, "uses-glove": 10.0, "uses-mf": None}
    stale = [build.Stale(q, ["never run"], times[q.slug]) for q in questions]
    first, second = (build.shard(stale, i, 2) for i in (1, 2))
    # the unknown time counts as the median of the known ones (20 s): 30 + 10 against 20 + 20
    assert [s.question.slug for s in first] == ["reads-imdb", "uses-glove"]
    assert [s.question.slug for s in second] == ["reads-shakespeare", "uses-mf"]
    assert build.shard(list(reversed(stale)), 1, 2) == first


@pytest.mark.slow
def test_two_shards_merged_give_the_records_of_one_build(project, tmp_path):
    shard_dirs = [tmp_path / "shard1", tmp_path / "shard2"]
    ran = [run(project, out=d, shard_of=(i, 2))[0] for i, d in enumerate(shard_dirs, 1)]
    assert not set(ran[0]) & set(ran[1]) and set(ran[0]) | set(ran[1]) == set(DEMOS)
    build.merge(project, shard_dirs)
    merged, _ = run(project)
    assert not executed(merged)
    single, _ = run(project, out=tmp_path / "single", jobs=2)
    for slug in DEMOS:
        assert merged[slug].claims == single[slug].claims
        assert merged[slug].inputs == single[slug].inputs and merged[slug].key == single[slug].key

    # a record that no longer holds for this checkout is refused, with the reason
    (project / "src" / "office_hours" / "models" / "mf.py").write_text("FACTORS = 3  # edited\n")
    (project / "build").rename(tmp_path / "old-build")
    with pytest.raises(BuildError, match=r"uses-mf: .*src changed: office_hours/models/mf\.py"):
        build.merge(project, shard_dirs)


def start_build(project: Path, *args: str, sleep: float = 60) -> subprocess.Popen:
    env = {**os.environ, "DEMO_SLEEP": str(sleep),
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(
        [sys.executable, "-m", "office_hours.site.build", "--root", str(project), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def wait_for_kernels(build_process: subprocess.Popen, count: int) -> list[psutil.Process]:
    parent = psutil.Process(build_process.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        kernels = [p for p in parent.children(recursive=True)
                   if "ipykernel_launcher" in " ".join(p.cmdline())]
        if len(kernels) >= count:
            time.sleep(2)  # let them start their demos
            return kernels
        time.sleep(0.2)
    raise AssertionError("the kernels did not start")


def gone(processes: list[psutil.Process], within: float) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=within)
    return all(p.status() == psutil.STATUS_ZOMBIE for p in alive)


@pytest.mark.slow
@pytest.mark.parametrize(("target", "stop"), [("group", signal.SIGINT),
                                              ("process", signal.SIGINT),
                                              ("process", signal.SIGTERM)])
def test_ctrl_c_or_sigterm_stops_the_build_within_5_s_and_leaves_no_process(project, target,
                                                                           stop):
    process = start_build(project, "--jobs", "2")
    kernels = wait_for_kernels(process, 2)
    everyone = psutil.Process(process.pid).children(recursive=True)
    start = time.monotonic()
    if target == "group":
        os.killpg(process.pid, stop)
    else:
        process.send_signal(stop)
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - start < 5
    assert process.returncode == 128 + stop
    assert "interrupted: 0 demos done (cached), 4 not run; site/ unchanged" in err
    assert "Traceback" not in err and "FAILED" not in out
    assert gone(everyone + kernels, within=1)
    assert not (project / "build" / "demos").exists() or not any(
        (project / "build" / "demos").iterdir())


@pytest.mark.slow
def test_killed_build_takes_its_kernels_with_it(project):
    process = start_build(project, "--jobs", "2")
    kernels = wait_for_kernels(process, 2)
    process.kill()
    process.communicate()
    assert gone(kernels, within=5), "the kernels outlived the build"


def write_site_config(project: Path) -> None:
    (project / "mkdocs.yml").write_text(
        "site_name: Test\nsite_url: !ENV [SITE_URL, 'https://example.org/']\nstrict: true\n"
        "extra:\n  repository: owner/name\n"
        "exclude_docs: |\n  demos/\n"
    )
    (project / "docs" / "index.md").write_text("# Home\n")
    commit_all(project)


@pytest.mark.slow
def test_a_site_build_with_nothing_changed_skips_mkdocs(project):
    write_site_config(project)
    first = start_build(project, "--site", sleep=0)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "Built" in out and "INFO" not in out + err
    built = (project / "site" / "index.html").stat().st_mtime_ns

    start = time.perf_counter()
    again = start_build(project, "--site", sleep=0)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert "MkDocs skipped" in out
    print(f"no-op build: {time.perf_counter() - start:.2f} s")
    assert (project / "site" / "index.html").stat().st_mtime_ns == built

    for change in (
        lambda: (project / "docs" / "index.md").write_text("# Home again\n"),
        lambda: os.environ.__setitem__("SITE_URL", "https://example.com/"),
    ):
        change()
        rebuilt = start_build(project, "--site", sleep=0)
        out, err = rebuilt.communicate(timeout=120)
        os.environ.pop("SITE_URL", None)
        assert rebuilt.returncode == 0, err
        assert "Built" in out and "MkDocs skipped" not in out


@pytest.mark.slow
def test_failing_mkdocs_build_leaves_site_and_stamp(project):
    write_site_config(project)
    assert build.main(["--root", str(project), "--site"]) == 0
    stamp = (project / "build" / build.SITE_STAMP).read_text()
    (project / "docs" / "index.md").write_text("# Home\n\n[broken](missing.md)\n")
    assert build.main(["--root", str(project), "--site"]) == 1
    assert (project / "site" / "index.html").is_file()
    assert (project / "build" / build.SITE_STAMP).read_text() == stamp


def test_a_claim_that_cannot_fail_is_refused_before_anything_runs(project):
    demo = project / "demos" / "uses-mf.py"
    demo.write_text(demo.read_text().replace("claim(\"uses-mf-holds\", MEASURED,",
                                             "claim(\"uses-mf-holds\", 3,"))
    with pytest.raises(BuildError, match=r"uses-mf\.py line \d+: the measured value `3` is a constant"):
        run(project, only=["uses-mf"])
