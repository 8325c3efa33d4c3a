"""Grading on Dask workers gives exactly what grading on this machine gives.

A Dask scheduler and two workers are started as separate processes on
127.0.0.1, with the commands the grading-at-scale page gives instructors
(``tests/services.py``); as root they run as an ordinary user, who cannot
read the course folder, so that nothing reaches a worker but what the
coordinator sends. One batch of exercise 1 (correct, partly correct, blank
and hostile submissions from the attack suite) is graded three times: on
this machine by the same ordinary user, into SQLite; on the workers into
PostgreSQL; and on the workers into PostgreSQL again, through ``make
autograde SCHEDULER=...``, with one worker killed midway. The three
gradebooks and the detections must be the same, and each score the one
the attack suite expects.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from actzoo_grader import autograde as ag
from actzoo_grader import sandbox
from actzoo_grader.__main__ import main
from actzoo_grader.autograde import Progress, autograde
from actzoo_grader.cluster import check_address
from actzoo_grader.course import REPO, Course
from actzoo_grader.executor import Guarded
from actzoo_grader.grades import part_scores
from tests import services
from tests import test_attacks as attacks
from tests.users import give_to, run_as, running_processes

ASSIGNMENT, FULL = attacks.ASSIGNMENT, attacks.FULL
WHY_NO_SANDBOX = sandbox.check()
LIMITS = sandbox.Limits(cell_timeout=20, wall=300, memory=2 << 30, processes=64)
#: The grader's options for those limits, on the command line and in make.
LIMIT_FLAGS = ["--timeout", "20", "--wall", "300", "--memory-mb", "2048"]
LIMIT_VARIABLES = {"TIMEOUT": "20", "WALL": "300", "MEMORY_MB": "2048"}

#: The batch: the attack suite's submissions that need no listener.
STUDENTS = (
    "correct_a",
    "correct_b",
    "partial",
    "blank",
    "canary_thief",
    "patched_numpy",
    "rebound_checks",
    "agent_hijack",
    "reference_routes",
    "edited_test_correct",
    "deleted_tests",
    "exits_in_a_cell",
    "steals_and_writes",
    "shadowing_modules",
    "honest_extra_files",
    "linked_files",
    "malformed_json",
    "missing_notebook",
    "oversized_notebook",
    "huge_cell",
)


def _batch(course: Path, home: Path) -> dict[str, tuple[object, float]]:
    """Write the batch into ``course``; return it with the expected scores."""
    every = attacks._submissions(9, course, home)
    chosen = {student: every[student] for student in STUDENTS}
    attacks.write_batch(course, chosen)
    return chosen


def _batch_in_postgres(cluster, postgres, tmp_path: Path, database: str):
    """Return a course holding the batch, graded into a new database, and its URL."""
    url = postgres.create(database)
    course = Course(root=tmp_path / "course", db=url)
    home = Path(cluster.user.pw_dir) if cluster.user else Path.home()
    _batch(course.root, home)
    return course, url


def _scores(course: Course) -> dict[tuple[str, str], float]:
    return {(p.student, p.part): p.score for p in part_scores(course, ASSIGNMENT)}


def _reports(course: Course) -> dict[str, dict]:
    folder = course.reports(ASSIGNMENT)
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


# ------------------------------------------------------------ without a cluster


def test_a_scheduler_address_is_checked():
    for good in (
        "tcp://10.0.0.5:8786",
        "tls://grader.example.org:8786",
        "tcp://[::1]:1",
    ):
        assert check_address(good) == good
    for bad in (
        "10.0.0.5:8786",
        "tcp://host",
        "http://h:8786",
        "tcp://h:0",
        "tcp://h:70000",
    ):
        with pytest.raises(ValueError, match="tcp://HOST:PORT"):
            check_address(bad)


def _one_line(tmp_path: Path, capsys, *args: str) -> str:
    """Return the only line the grader printed; it must have exited with 2."""
    course = tmp_path / "course"
    attacks._write(course / "submitted" / "ana" / ASSIGNMENT, attacks.solved())
    status = main(["--course", str(course), "autograde", ASSIGNMENT, *args])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    assert status == 2, lines
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    # Nothing was touched before the error.
    assert not (course / "gradebook.db").exists()
    return lines[0]


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    if services._dask_available():
        pytest.skip(services._dask_available())
    address = f"tcp://127.0.0.1:{services.free_port()}"
    began = time.monotonic()
    line = _one_line(
        tmp_path, capsys, "--scheduler", address, "--scheduler-timeout", "2"
    )
    assert f"cannot reach the Dask scheduler at {address} within 2 s" in line
    assert "--scheduler-timeout" in line
    assert time.monotonic() - began < 60


def test_without_dask_the_extra_to_install_is_named(tmp_path, capsys, monkeypatch):
    # An import of a module that is None in sys.modules fails, as if missing.
    monkeypatch.setitem(sys.modules, "distributed", None)
    line = _one_line(tmp_path, capsys, "--scheduler", "tcp://127.0.0.1:8786")
    assert "not installed" in line and 'pip install "actzoo[course]"' in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--scheduler", "localhost"], "tcp://HOST:PORT"),
        (["--scheduler", "tcp://h:1", "--jobs", "2"], "drop --jobs"),
        (["--scheduler", "tcp://h:1", "--plain"], "drop one of them"),
        (["--scheduler", "tcp://h:1", "--scheduler-timeout", "0"], "positive"),
    ],
)
def test_options_that_do_not_go_together_are_one_line(tmp_path, capsys, args, words):
    assert words in _one_line(tmp_path, capsys, *args)


def test_progress_names_the_dashboard():
    for dashboard in ("http://10.0.0.5:8787/status", None):
        out = io.StringIO()
        bar = Progress(2, ASSIGNMENT, out, dashboard=dashboard)
        bar.update("ana", True, False)
        bar.update("ben", False, True)
        lines = out.getvalue().splitlines()
        assert len(lines) == 2 and "2/2 graded, 1 failed, 1 flagged" in lines[1]
        assert ("dashboard http://10.0.0.5:8787/status" in lines[1]) == bool(dashboard)


def test_make_passes_the_scheduler_instead_of_jobs():
    def dry(*args: str) -> str:
        out = subprocess.run(
            ["make", "-n", "--no-print-directory", "autograde", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return " ".join(out.replace("\\\n", " ").split())

    on_dask = dry("SCHEDULER=tcp://10.0.0.5:8786", "JOBS=3")
    assert '--scheduler "tcp://10.0.0.5:8786"' in on_dask and "--jobs" not in on_dask
    here = dry("JOBS=3")
    assert "--jobs 3" in here and "--scheduler" not in here


def test_the_page_gives_the_commands_the_tests_run():
    commands = services.page_commands()
    assert commands["scheduler"].startswith('dask scheduler --host "$HOST"')
    assert '"tcp://$HOST:$PORT"' in commands["worker"]
    assert "--nthreads 1" in commands["worker"]
    assert commands["autograde"] == 'make autograde SCHEDULER="tcp://$HOST:$PORT"'
    # With TLS, every part shows a certificate of the course's authority.
    for name, cert in (("scheduler_tls", "scheduler"), ("worker_tls", "worker")):
        assert f'--tls-cert "$CERTS/{cert}.pem"' in commands[name]
        assert '--tls-ca-file "$CERTS/ca.pem"' in commands[name]
    assert 'CLIENT__CERT="$CERTS/client.pem"' in commands["autograde_tls"]
    assert commands["autograde_tls"].endswith('SCHEDULER="tls://$HOST:$PORT"')
    # A page that gave a command twice, or not at all, would be refused.
    page = services.PAGE.read_text(encoding="utf-8")
    fake = Path(tempfile.mkdtemp()) / "page.md"
    try:
        fake.write_text(page + "\n```bash\n" + commands["worker"] + "\n```\n")
        with pytest.raises(ValueError, match="worker command once"):
            services.page_commands(fake)
    finally:
        shutil.rmtree(fake.parent)


def _plain_data(value: object) -> bool:
    """Return True if ``value`` holds nothing but JSON's types and bytes."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_data(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_data(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool, bytes))


@pytest.mark.slow
def test_a_run_needs_nothing_but_its_payload(tmp_path):
    """A packed submission runs with its course folder gone, and answers JSON."""
    if WHY_NO_SANDBOX:
        pytest.skip(f"sandboxes cannot be made here: {WHY_NO_SANDBOX}")
    course = Course(root=tmp_path / "course")
    attacks.WithFiles(attacks.solved(), attacks.HONEST_FILES).write(
        course.submitted(ASSIGNMENT, "ana")
    )
    ag.prepare(course, ASSIGNMENT)
    plan = ag._plan(course, ASSIGNMENT, Guarded(limits=LIMITS), remote=True)
    payload = ag.pack_submission(course, ASSIGNMENT, "ana", plan)
    assert _plain_data(payload)
    assert payload["files"]["data/values.csv"] == b"x,y\n1,2\n"
    assert payload["hidden"][ASSIGNMENT], "the hidden tests travel with the run"
    # No shared file system: the course folder is gone when the run happens.
    shutil.rmtree(course.root)
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        answer = pool.submit(ag.run_packed, payload).result(timeout=300)
    assert isinstance(answer, str)
    data = json.loads(answer)
    assert set(data) == {"report", "executed", "errors"}
    run = data["report"]["notebooks"][ASSIGNMENT]
    assert run["failure"] is None and run["findings"] == []
    kind = "root:" if os.geteuid() == 0 else "rootless:"
    assert data["report"]["isolation"].startswith(kind), data["report"]
    executed = data["executed"][ASSIGNMENT]
    assert '"outputs"' in executed and "Part (" in executed


def test_a_worker_answer_is_checked_before_it_is_stored(tmp_path):
    staging = tmp_path / "staging"
    good = {
        "report": {"student": "mallory", "notebooks": {}, "notes": [], "worker": "w"},
        "executed": {ASSIGNMENT: "{}", "../../escape": "{}"},
        "errors": {},
    }
    report = ag.unpack_run(json.dumps(good), "ana", (ASSIGNMENT,), staging)
    assert report["student"] == "ana", "the coordinator names the student"
    assert sorted(p.name for p in (staging / "ana").iterdir()) == [
        f"{ASSIGNMENT}.ipynb"
    ]
    assert not (tmp_path / "escape.ipynb").exists()
    for bad in ("[]", '{"report": []}', "not json"):
        with pytest.raises(ValueError):
            ag.unpack_run(bad, "ana", (ASSIGNMENT,), staging)
    with pytest.raises(ValueError, match="unsafe path"):
        ag._safe_relative("../outside.py")


# ----------------------------------------------------------------- the cluster


@pytest.fixture(scope="module")
def workers_user(request):
    """Return whom the cluster and the local run grade as (None: this user)."""
    if WHY_NO_SANDBOX:
        pytest.skip(f"sandboxes cannot be made here: {WHY_NO_SANDBOX}")
    if os.geteuid() == 0:
        return request.getfixturevalue("ordinary_user")
    return None


@pytest.fixture(scope="module")
def cluster(workers_user):
    """Yield a scheduler and two workers, as the page starts them."""
    try:
        with services.dask_cluster(2, workers_user) as running:
            yield running
    except services.Unavailable as why:
        pytest.skip(str(why))


@pytest.fixture(scope="module")
def local(workers_user):
    """Return the batch graded on this machine, by the workers' user, two jobs."""
    shared = Path(tempfile.mkdtemp(prefix="actzoo-dask-local-"))
    shared.chmod(0o755)
    try:
        course = Course(root=shared / "course")
        home = Path(workers_user.pw_dir) if workers_user else Path.home()
        expected = _batch(course.root, home)
        command = attacks.grader_command(
            course.root, "autograde", ASSIGNMENT, "--jobs", "2", *LIMIT_FLAGS
        )
        if workers_user is not None:
            give_to(workers_user, course.root)
            run = run_as(workers_user, command)
        else:
            run = subprocess.run(command, capture_output=True, text=True, timeout=900)
        outcome = attacks._outcome(run.stdout, expected)
        yield {
            "expected": {s: score for s, (_, score) in expected.items()},
            "scores": _scores(course),
            "detections": outcome.detections,
            "failed": _failed(outcome.failed, course.root),
            "output": run.stdout + run.stderr,
        }
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def _failed(failed: dict[str, str], course: Path) -> dict[str, str]:
    """Return the FAILED reasons with the course folder's path as ``<course>``."""
    return {s: why.replace(str(course), "<course>") for s, why in failed.items()}


def _check_same_as_local(local, course, detections, failed, output=""):
    totals = attacks._totals(course)
    wrong = {
        s: (totals.get(s), want)
        for s, want in local["expected"].items()
        if totals.get(s) != want
    }
    assert not wrong, f"(got, expected): {wrong}\n{output[-3000:]}"
    assert _scores(course) == local["scores"]
    assert detections == local["detections"]
    assert _failed(failed, course.root) == local["failed"]
    # Detections are there to compare: the batch has tampered test cells.
    flagged = {s for s, lines in detections.items() if lines}
    assert {"edited_test_correct", "deleted_tests", "malformed_json"} <= flagged
    assert not {"correct_a", "correct_b", "partial", "blank"} & flagged


@pytest.mark.slow
def test_local_grading_gives_the_expected_scores(local):
    assert "sandbox: rootless" in local["output"], local["output"]
    assert {s for s, v in local["expected"].items() if v == FULL} >= {
        "correct_a",
        "steals_and_writes",
        "honest_extra_files",
    }


@pytest.mark.slow
def test_the_workers_cannot_read_the_course_folder(cluster, tmp_path):
    if cluster.user is None:
        pytest.skip("the workers run as this user: only root can make them another")

    course = Course(root=tmp_path / "course")
    attacks._write(course.submitted(ASSIGNMENT, "ana"), attacks.solved())
    notebook = course.submitted(ASSIGNMENT, "ana") / f"{ASSIGNMENT}.ipynb"
    with cluster.client() as client:
        seen = client.run(os.access, str(notebook), os.R_OK)
        users = client.run(os.geteuid)
    assert len(seen) == 2 and not any(seen.values()), seen
    assert set(users.values()) == {cluster.user.pw_uid}
    assert os.access(notebook, os.R_OK), "the coordinator reads it"


@pytest.mark.slow
def test_the_workers_grade_what_this_machine_grades(cluster, local, postgres, tmp_path):
    course, _ = _batch_in_postgres(cluster, postgres, tmp_path, "dask_batch")
    out = io.StringIO()
    result = autograde(
        course,
        ASSIGNMENT,
        executor=Guarded(limits=LIMITS),
        progress=out,
        scheduler=cluster.address,
    )
    assert sorted([*result.graded, *result.failed]) == sorted(STUDENTS)
    _check_same_as_local(local, course, result.detections, result.failed)
    assert not (course.root / "gradebook.db").exists(), "stored into PostgreSQL"
    # The same bar, with the dashboard's address.
    lines = out.getvalue().splitlines()
    assert len(lines) == len(STUDENTS)
    assert f"{len(STUDENTS)}/{len(STUDENTS)} graded" in lines[-1]
    assert "dashboard http://127.0.0.1:" in lines[-1]
    # Each report says which worker ran it and in which sandbox.
    ran_on = {r["worker"].split()[-1] for r in _reports(course).values()}
    assert len(ran_on) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in ran_on)
    for student, report in _reports(course).items():
        assert report["isolation"].startswith("rootless:"), (student, report)
    # What the worker could see of the course: nothing.
    graded = course.autograded(ASSIGNMENT, "steals_and_writes")
    cells = json.loads((graded / f"{ASSIGNMENT}.ipynb").read_text())["cells"]
    text = "".join(
        "".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])
    )
    assert "FOUND []\n" in text and "WROTE" not in text, text


@pytest.mark.slow
def test_a_run_that_fails_on_every_try_is_failed_with_the_reason(
    cluster, tmp_path, monkeypatch
):
    """A worker that refuses a run (here: another grader) fails it on every try."""
    course = Course(root=tmp_path / "course")
    attacks._write(course.submitted(ASSIGNMENT, "ana"), attacks.solved())
    monkeypatch.setattr(ag, "grader_digest", lambda: "another grader")
    result = autograde(
        course, ASSIGNMENT, progress=io.StringIO(), scheduler=cluster.address
    )
    assert result.graded == [] and list(result.failed) == ["ana"]
    why = result.failed["ana"]
    assert "RuntimeError" in why and "grader differs" in why, why
    assert json.loads(course.report(ASSIGNMENT, "ana").read_text())["failed"] == why
    # The student keeps a row of zeros, as any FAILED one does.
    assert attacks._totals(course) == {"ana": 0.0}


def _make_environment(cluster, course: Path, url: str | None) -> dict[str, str]:
    """Return the environment of the page's ``make autograde`` line."""
    built = json.loads((REPO / ".venv" / ".installed").read_text())
    return {
        **os.environ,
        "HOST": cluster.env["HOST"],
        "PORT": cluster.env["PORT"],
        "COURSE": str(course),
        "ASSIGNMENT": ASSIGNMENT,
        "PYTHON": built["executable"],
        **({"DB": url} if url else {}),
        **LIMIT_VARIABLES,
    }


@pytest.mark.slow
def test_a_worker_killed_midway_costs_nothing(cluster, local, postgres, tmp_path):
    course, url = _batch_in_postgres(cluster, postgres, tmp_path, "dask_killed")
    command = services.page_commands()["autograde"]
    seen: list[str] = []
    killed = stored_before = None
    with (
        subprocess.Popen(
            ["sh", "-c", command],
            cwd=REPO,
            env=_make_environment(cluster, course.root, url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as grading,
        cluster.client() as client,
    ):
        assert grading.stdout is not None
        for line in grading.stdout:
            seen.append(line)
            progress = re.search(r"\] (\d+)/\d+ graded, ", line)
            if killed is None and progress:
                stored_before = int(progress[1])
                killed = _kill_a_busy_worker(cluster, client)
        grading.wait(timeout=600)
    output = "".join(seen)
    # make fails where the grader reports FAILED submissions, as here.
    assert (grading.returncode == 0) == (not local["failed"]), output[-3000:]
    graded = len(STUDENTS) - len(local["failed"])
    assert f": {graded} graded, {len(local['failed'])} failed in " in output
    assert killed is not None, output
    address, process = killed
    assert stored_before is not None and stored_before < len(STUDENTS) - 2
    outcome = attacks._outcome(output, STUDENTS)
    _check_same_as_local(local, course, outcome.detections, outcome.failed, output)
    # The killed worker was running a submission; every submission has a
    # report, and the killed worker wrote none after it was killed.
    reports = _reports(course)
    assert sorted(reports) == sorted(STUDENTS)
    by_killed = [s for s, r in reports.items() if r["worker"].endswith(address)]
    assert len(by_killed) <= stored_before, (by_killed, stored_before)
    # Nothing of the killed worker runs on, its sandboxes included.
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)
    if cluster.user is not None:
        live = {p.pid for p in cluster.processes if p.poll() is None}
        stray = [
            line
            for line in running_processes(cluster.user.pw_name, patience=5)
            if (group := _group(int(line.split()[1]))) is not None and group not in live
        ]
        assert stray == [], stray


def _group(pid: int) -> int | None:
    """Return the process group of ``pid``, None if it has ended."""
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@pytest.mark.slow
def test_with_tls_only_a_certificate_of_the_authority_gets_in(
    workers_user, tmp_path, capsys
):
    import dask

    with contextlib.ExitStack() as stack:
        try:
            tls = stack.enter_context(services.dask_cluster(1, workers_user, tls=True))
        except services.Unavailable as why:
            pytest.skip(str(why))
        course = Course(root=tmp_path / "course")
        attacks._write(course.submitted(ASSIGNMENT, "ana"), attacks.solved())
        attacks._write(course.submitted(ASSIGNMENT, "ben"), attacks.blank())
        env = {
            **_make_environment(tls, course.root, None),
            "CERTS": tls.env["CERTS"],
        }
        run = subprocess.run(
            ["sh", "-c", services.page_commands()["autograde_tls"]],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output[-3000:]
        assert f"engine: Dask scheduler {tls.address}: 1 worker(s)" in output
        assert attacks._totals(course) == {"ana": FULL, "ben": 0.0}
        # Without a certificate, the coordinator says what it lacks.
        with dask.config.set({"distributed.comm.tls.client.cert": None}):
            line = _one_line(tmp_path / "none", capsys, "--scheduler", tls.address)
        assert "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT" in line, line
        # A certificate of another authority is refused by the scheduler.
        stranger = Path(tls.env["CERTS"]) / "stranger"
        settings = {
            "distributed.comm.tls.ca-file": str(stranger.parent / "ca.pem"),
            "distributed.comm.tls.client.cert": str(stranger / "client.pem"),
            "distributed.comm.tls.client.key": str(stranger / "client.key"),
        }
        with dask.config.set(settings):
            line = _one_line(
                tmp_path / "stranger",
                capsys,
                "--scheduler",
                tls.address,
                "--scheduler-timeout",
                "5",
            )
        assert f"cannot reach the Dask scheduler at {tls.address}" in line, line


def _kill_a_busy_worker(cluster, client) -> tuple[str, subprocess.Popen]:
    """Kill (SIGKILL) a worker that is running a submission; return it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            group = os.getpgid(pid)
            process = next(p for p in cluster.workers if p.pid == group)
            cluster.kill(process)
            return busy[0], process
        time.sleep(0.05)
    raise AssertionError("no worker was running a submission")


# ------------------------------------------------------------ the page's numbers

#: A measured time written into prose: a decimal number, or a number with a
#: unit of time, a percentage or a ratio.
TYPED = re.compile(
    r"(?<![\w.$])(?:\d+\.\d+|\d[\d,]*\s*(?:s|seconds?|minutes?|min|hours?|h|"
    r"core-hours|%|×|x))(?!\w)"
)


def _typed_times(text: str) -> list[str]:
    """Return the measurements typed into a page's prose, not glued."""
    from tests.test_page_sources import markdown_lines

    found = []
    for number, line in markdown_lines(text):
        prose = re.sub(r"\{[\w:.-]+\}`[^`]*`", "", line)
        prose = re.sub(r"`[^`]*`", "", prose)
        found += [f"line {number + 1}: {m[0]}" for m in TYPED.finditer(prose)]
    return found


def test_no_time_on_the_scale_page_is_typed_by_hand():
    page = services.PAGE.read_text(encoding="utf-8")
    assert _typed_times(page) == []
    # What the page used to say is caught.
    planted = page + (
        "\n| plain `nbgrader autograde` | 1.43 | 1.00× |\n"
        "\nThe sandbox itself costs about 2% per submission.\n"
    )
    assert len(_typed_times(planted)) == 3


def test_the_scale_page_glues_every_number_it_shows(monkeypatch):
    """The page's code reads the benchmarks' file and glues what the text shows."""
    import myst_nb

    page = services.PAGE.read_text(encoding="utf-8")
    cells = re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", page, re.S | re.M)
    assert len(cells) == 1
    glued: dict[str, object] = {}
    monkeypatch.setattr(
        myst_nb, "glue", lambda key, value, display=True: glued.setdefault(key, value)
    )
    monkeypatch.chdir(services.PAGE.parent)
    code = "\n".join(
        line for line in cells[0].splitlines() if not line.startswith(":tags:")
    )
    exec(compile(code, str(services.PAGE), "exec"), {"__name__": "page"})
    shown = set(re.findall(r"\{glue:text\}`([\w]+)", page))
    assert shown and shown <= set(glued), shown - set(glued)
    data = json.loads(
        (services.PAGE.parent / "data" / "grading_scale.json").read_text()
    )
    # The machine and date the numbers come from are stated.
    for section in data.values():
        assert section["date"] in glued["scale_measured"]
        assert section["machine"]["cpu"] in glued["scale_measured"]
    # The plan follows from the numbers: one two-core machine, two workers.
    speedup = data["workers"]["seconds"]["1"] / data["workers"]["seconds"]["2"]
    assert glued["scale_speedup"] == pytest.approx(speedup)
    hours = glued["scale_core_hours"] / speedup
    assert glued["scale_one_machine_h"] == pytest.approx(hours)
