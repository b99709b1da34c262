"""The installed app is whole (issue 12): built as a wheel, installed in a fresh venv outside the
repo and run from a temporary directory, it has its themes, its demo recordings, its scenarios and
its version, and records into the user data directory, not into wherever it was started.

Only the wheel is new: the venv reaches the dependencies already in the test venv through a .pth
line (no download, no build of onnxruntime), and `pip install --no-deps` installs the wheel as
pipx / uv tool would. Whether the dependency set itself resolves is `make setup`'s to show on each
Python; what this test holds is what the wheel carries and where the app looks for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the wheel must carry, as the checkout has it: a demo or scenario added later ships too.
SHIPPED = {
    "themes": sorted(p.name for p in (ROOT / "themes").glob("*.toml")),
    "recordings": sorted(p.name for p in (ROOT / "recordings").glob("demo-*.jsonl")),
    "scenarios": sorted(p.name for p in (ROOT / "scenarios").glob("*.toml")),
}
NEW_DEMOS = ["demo-inworld", "demo-cartesia", "demo-elevenlabs-dialogue"]  # one per dialect added since
BUILD_TIMEOUT = 60
RUN_TIMEOUT = 40


def run(
    args: list[str], *, cwd: Path, env: dict[str, str], stdin: str = "", timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv outside the repo with the built wheel installed; its bin/ and a clean environment."""
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        cwd=tmp,
        env=env,
        timeout=BUILD_TIMEOUT,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("switchboard-*.whl")
    venv = tmp / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp, env=env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp, env=env
        ).stdout.strip()
    )
    # The test venv's packages, after the new venv's own (a plain path line: the checkout's
    # editable-install hook in there is not run, so `tui` can only come from the wheel).
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        cwd=tmp,
        env=env,
        timeout=BUILD_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    home = tmp / "home"
    home.mkdir()
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    where = tmp / "elsewhere"  # not the repo, no recordings/ or themes/ beside it
    where.mkdir()
    return {"bin": venv / "bin", "env": env, "cwd": where, "data": tmp / "data", "site": site}


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    out = run(
        [str(installed["bin"] / "python"), "-c", "import tui; print(tui.__file__)"],
        cwd=installed["cwd"],
        env=installed["env"],
    )
    assert Path(out.stdout.strip()).is_relative_to(installed["site"]), out


def test_switchboard_version(installed):
    out = run(["switchboard", "--version"], cwd=installed["cwd"], env=installed["env"])
    assert out.returncode == 0 and out.stdout.strip() == "switchboard 0.1.0", out


def test_the_shipped_themes_are_found_and_stage_is_one(installed):
    snippet = (
        "import json; from tui.ui.themes import BUILTIN_DIR, load_themes; t = load_themes(); "
        "c, problem = t.get('stage'); print(json.dumps([str(BUILTIN_DIR), c.name, problem, "
        "sorted(t.themes), [str(p) for p in t.problems]]))"
    )
    out = run([str(installed["bin"] / "python"), "-c", snippet], cwd=installed["cwd"], env=installed["env"])
    builtin, chosen, problem, names, problems = json.loads(out.stdout)
    assert Path(builtin).is_relative_to(installed["site"])
    assert (chosen, problem, problems) == ("stage", None, [])
    assert {"stage", "switchboard-dark", "switchboard-light", "high-contrast"} <= set(names)


def test_a_headless_session_with_a_theme_runs_and_records_into_the_user_data_directory(installed):
    out = run(
        ["switchboard", "--theme", "stage", "--headless", "--audio", "none"],
        cwd=installed["cwd"],
        env=installed["env"],
        stdin="Hello there.\n/quit\n",
    )
    assert out.returncode == 0, out.stderr
    assert "theme" not in out.stderr and "Traceback" not in out.stderr + out.stdout
    recordings = list((installed["data"] / "switchboard" / "recordings").glob("*.jsonl"))
    assert len(recordings) == 1, out.stdout
    sent = [json.loads(line) for line in recordings[0].read_text(encoding="utf-8").splitlines()]
    assert any("Hello" in json.dumps(entry) for entry in sent)
    assert list(installed["cwd"].iterdir()) == []  # nothing left where it was started


def test_a_shipped_demo_plays_by_name(installed):
    out = run(
        ["switchboard", "replay", "demo-flight-booking", "--headless", "--audio", "none"],
        cwd=installed["cwd"],
        env=installed["env"],
    )
    assert out.returncode == 0, out.stderr
    assert "cannot open" not in out.stderr and "final" in out.stdout and "← turn_" in out.stdout


def test_the_wheel_carries_every_theme_demo_and_scenario_of_the_checkout(installed):
    shipped = installed["site"] / "tui" / "_shipped"
    for folder, names in SHIPPED.items():
        assert names, folder  # the checkout has some: an empty glob would prove nothing
        assert sorted(p.name for p in (shipped / folder).glob(f"*{Path(names[0]).suffix}")) == names, folder
    assert set(NEW_DEMOS) <= {name.removesuffix(".jsonl") for name in SHIPPED["recordings"]}


@pytest.mark.parametrize("demo", NEW_DEMOS)
def test_each_new_dialects_demo_plays_by_name(installed, demo):
    out = run(
        ["switchboard", "replay", demo, "--headless", "--audio", "none", "--speed", "32"],
        cwd=installed["cwd"],
        env=installed["env"],
    )
    assert out.returncode == 0, out.stderr
    assert "cannot open" not in out.stderr and "← turn_" in out.stdout and "connection closed 1000" in out.stdout


def test_a_shipped_scenario_runs_by_name_with_the_tone_voice_and_writes_its_report(installed, tmp_path):
    """As scenarios/README.md says, from a folder with no scenarios/ in it; the report's timeline
    needs matplotlib, a dependency of the installed tool."""
    out = run(
        ["switchboard", "run", "inworld", "--local-voice", "tone", "--report", str(tmp_path / "report")],
        cwd=installed["cwd"],
        env=installed["env"],
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASSED" in out.stdout and "Traceback" not in out.stderr
    assert {"report.json", "report.md", "report.html"} <= {p.name for p in (tmp_path / "report").iterdir()}
    assert list(installed["cwd"].iterdir()) == []  # `run` records nothing unless --record


def test_record_dir_overrides_the_user_data_directory(installed, tmp_path):
    user_dir = installed["data"] / "switchboard" / "recordings"
    before = sorted(user_dir.glob("*.jsonl"))
    out = run(
        ["switchboard", "--headless", "--audio", "none", "--local-voice", "tone", "--record-dir", str(tmp_path)],
        cwd=installed["cwd"],
        env=installed["env"],
        stdin="Hi.\n/quit\n",
    )
    assert out.returncode == 0, out.stderr
    assert len(list(tmp_path.glob("*.jsonl"))) == 1, out.stdout
    assert sorted(user_dir.glob("*.jsonl")) == before and list(installed["cwd"].iterdir()) == []


def test_the_sdist_carries_them_too_so_a_wheel_built_from_it_is_whole(tmp_path):
    """pip and uv build a wheel from the sdist when they get one (`pipx install switchboard-0.1.0.tar.gz`):
    the folders the wheel maps into the package must be in it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    built = run([sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)], cwd=ROOT, env=env)
    assert built.returncode == 0, built.stderr
    (sdist,) = tmp_path.glob("switchboard-*.tar.gz")
    with tarfile.open(sdist) as tar:
        members = {Path(*Path(name).parts[1:]).as_posix() for name in tar.getnames()}  # less the top folder
    for folder, names in SHIPPED.items():
        assert {f"{folder}/{name}" for name in names} <= members, folder
