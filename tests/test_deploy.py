"""Deployment: the CI workflow is valid, and every link the site generates comes from mkdocs.yml's
deployment settings (site URL, repository, forum), whatever values they are given."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from office_hours.site import build
from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SETTINGS = {
    "SITE_URL": "https://docs.example.org/course/",
    "OFFICE_HOURS_REPOSITORY": "someone/fork-of-office-hours",
    "OFFICE_HOURS_FORUM": "https://discourse.example.org/",
}
ATTRIBUTE = re.compile(r"""(?:href|src|content)\s*=\s*["']([^"']+)["']""")


def test_workflows_validate_against_the_vendored_schema():
    assert WORKFLOWS
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *map(str, WORKFLOWS)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_site_workflow_shards_merges_tests_and_deploys():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
    jobs = workflow["jobs"]
    assert "schedule" in workflow[True]  # YAML 1.1 reads the key `on` as True
    shards = jobs["demos"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    steps = {job: " ".join(str(s.get("run", s.get("uses"))) for s in jobs[job]["steps"])
             for job in jobs}
    assert "nox -s shard" in steps["demos"] and "upload-artifact" in steps["demos"]
    assert "--merge" in steps["site"] and "upload-pages-artifact" in steps["site"]
    assert "nox -s browser" in steps["browser"] and jobs["browser"]["needs"] == ["site"]
    assert "actions/deploy-pages" in steps["deploy"]
    assert "refs/heads/main" in jobs["deploy"]["if"]
    for name in SETTINGS:
        assert name in workflow["env"], f"the workflow sets {name} for its repository"


def test_deployment_settings_live_in_mkdocs_extra():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for line in ("site_url: !ENV [SITE_URL,", "repository: !ENV [OFFICE_HOURS_REPOSITORY,",
                 "forum_url: !ENV [OFFICE_HOURS_FORUM,"):
        assert line in config
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in SETTINGS), "README documents each setting"


@pytest.fixture(scope="module")
def site_elsewhere(root, tmp_path_factory) -> Path:
    """The site built with every deployment setting overridden."""
    build.stage_for_site(root, build.build_demos(root, log=lambda *_: None))
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=root, env={**os.environ, **SETTINGS}, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return target


@pytest.mark.slow
def test_every_generated_link_uses_the_configured_settings(site_elsewhere, root):
    site_url, repository = SETTINGS["SITE_URL"], SETTINGS["OFFICE_HOURS_REPOSITORY"]
    authored = "\n".join(p.read_text(encoding="utf-8") for p in (root / "docs").rglob("*.md"))
    checked = 0
    for path in site_elsewhere.rglob("*"):
        if path.suffix not in (".html", ".json", ".xml"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "office-hours.github.io" not in text, f"{path}: the default site URL"
        assert "office-hours/office-hours" not in text, f"{path}: the default repository"
        for url in ATTRIBUTE.findall(text) + re.findall(r"<loc>([^<]+)</loc>", text):
            if "colab.research.google.com" in url:
                assert url.startswith(f"https://colab.research.google.com/github/{repository}/")
            elif url.startswith("https://github.com/") and url not in authored:
                assert url.startswith(f"https://github.com/{repository}"), url
            else:
                continue
            checked += 1
        for tag in re.findall(r"<(?:meta|link)\b[^>]*>", text):
            if re.search(r"""(og:url|og:image"|twitter:image"|rel="canonical")""", tag):
                url = ATTRIBUTE.search(tag).group(1)
                assert url.startswith(site_url), f"{path}: {tag}"
                checked += 1
        for url in re.findall(r"<loc>([^<]+)</loc>", text):
            assert url.startswith(site_url), f"{path}: {url}"
    assert checked > 50
