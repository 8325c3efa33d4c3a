"""Benchmark: grading on Dask workers, one against two, and storing into a gradebook.

The grading-at-scale page plans a term of 2,000 students from these
numbers, which this benchmark writes to ``chapters/hands_on/data/
grading_scale.json`` (:mod:`record`), with the machine and the date:

1. **Each exercise's cost**: four correct submissions of every exercise,
   graded here with one job in sandboxes; seconds per submission, start-up
   included.
2. **Workers**: one batch of exercise 1 submissions (2 of 4 correct, 1
   partly, 1 blank, as ``bench_grading.py`` makes them) graded through a
   Dask scheduler with one worker, then with two (each one process of one
   thread), ``--repeat`` times each (the median counts), started as the page tells instructors to start them
   (``tests/services.py``). As root, the workers run as an ordinary user
   (made when missing), who cannot read the course folder, in rootless
   sandboxes; this process is the coordinator and stores every run.
3. **Storing**: how many submissions per second the coordinator stores
   (stage 2 alone), into SQLite and into a private PostgreSQL server,
   measured with one worker, so that the coordinator has a core of its own.

It prints the seconds side by side, the speed-up of two workers over one
and the storing rates, checks that every run gives every student the same
score, and writes the file.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--students 40] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_grading import submissions, totals
from record import DATA, record

from actzoo_grader.autograde import AutogradeResult, autograde, prepare
from actzoo_grader.collect import collect_folder
from actzoo_grader.course import REPO, Course

sys.path.insert(0, str(REPO))
from tests import services, users
from tests.notebooks import with_answers

ASSIGNMENT = "ex1_activations"
#: Correct submissions graded per exercise to time it.
PER_EXERCISE = 4


def exercise_seconds(folder: Path) -> dict[str, float]:
    """Return each exercise's seconds per correct submission, one job, sandboxed."""
    seconds = {}
    for assignment in Course(folder / "probe").assignments():
        inbox = folder / f"inbox-{assignment}"
        source = REPO / "solutions" / assignment / f"{assignment}.ipynb"
        released = REPO / "exercises" / assignment / f"{assignment}.ipynb"
        nb = with_answers(source, released)
        for i in range(PER_EXERCISE):
            place = inbox / f"student{i}" / assignment
            place.mkdir(parents=True)
            (place / f"{assignment}.ipynb").write_text(json.dumps(nb))
        course = Course(folder / f"course-{assignment}")
        collect_folder(course, inbox, assignment)
        start = time.perf_counter()
        result = autograde(course, assignment, progress=io.StringIO())
        took = time.perf_counter() - start
        if result.failed or len(result.graded) != PER_EXERCISE:
            raise SystemExit(f"{assignment}: {result.failed}")
        seconds[assignment] = took / PER_EXERCISE
        print(f"{assignment}: {seconds[assignment]:.2f} s per submission")
    return seconds


def worker_user() -> contextlib.AbstractContextManager:
    """Return whom the workers run as: an ordinary user when this is root."""
    if os.geteuid() == 0:
        return users.ordinary_user()
    return contextlib.nullcontext(None)


def grade(course: Course, scheduler: str) -> tuple[float, AutogradeResult]:
    """Return the seconds and result of grading ``course`` on the scheduler."""
    start = time.perf_counter()
    result = autograde(course, ASSIGNMENT, scheduler=scheduler, progress=io.StringIO())
    seconds = time.perf_counter() - start
    if result.failed:
        raise SystemExit(f"failed: {result.failed}")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each; the median counts"
    )
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    n = args.students
    # A folder of this user alone: the workers' user cannot read it.
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        per_exercise = exercise_seconds(tmp / "exercises")
        submissions(tmp / "inbox", n)
        template = Course(tmp / "template")
        collect_folder(template, tmp / "inbox", ASSIGNMENT)
        prepare(template, ASSIGNMENT)

        def fresh(name: str, db: str | None = None) -> Course:
            shutil.copytree(template.root, tmp / name)
            return Course(tmp / name, db=db)

        with (
            worker_user() as user,
            services.dask_cluster(1, user) as cluster,
            services.postgresql() as server,
        ):
            # Each worker has imported what grading needs before it is timed.
            grade(fresh("warm1"), cluster.address)
            # One worker: the coordinator has the other core to itself, so
            # its storing rate is its own, into SQLite and into PostgreSQL.
            runs: dict[str, list[float]] = {"1": [], "2": []}
            stored = 0.0
            for i in range(args.repeat):
                seconds, result = grade(fresh(f"one{i}"), cluster.address)
                runs["1"].append(seconds)
                stored += sum(result.store_seconds.values())
            postgres = fresh("pg", db=server.create("bench"))
            _, third = grade(postgres, cluster.address)
            cluster.add_worker()
            grade(fresh("warm2"), cluster.address)
            for i in range(args.repeat):
                runs["2"].append(grade(fresh(f"two{i}"), cluster.address)[0])
            pg_version = server.version
            isolation = json.loads(
                (tmp / "two0" / "reports" / ASSIGNMENT / "student000.json").read_text()
            )["isolation"]
            # PostgreSQL's scores, read while its server runs.
            scores = {"pg": totals(postgres)}
        for name in [
            "warm1",
            *(f"{w}{i}" for w in ("one", "two") for i in range(args.repeat)),
        ]:
            scores[name] = totals(Course(tmp / name))

    same = (
        all(s == scores["warm1"] for s in scores.values()) and len(scores["warm1"]) == n
    )
    sqlite_rate = n * args.repeat / stored
    pg_rate = n / sum(third.store_seconds.values())
    one, two = statistics.median(runs["1"]), statistics.median(runs["2"])
    speedup = one / two
    print(
        f"\nGrading {n} submissions of {ASSIGNMENT} (2 of 4 correct, 1 partly, "
        "1 blank) through a Dask scheduler, each worker one process of one thread\n"
    )
    print(f"{'workers':<10} {'seconds':>8} {'per min':>8} {'s/sub':>6}  runs")
    for workers, seconds in (("1", one), ("2", two)):
        each = " ".join(f"{s:.1f}" for s in runs[workers])
        print(
            f"{workers:<10} {seconds:8.1f} {60 * n / seconds:8.1f} "
            f"{seconds / n:6.2f}  {each}"
        )
    print(f"\ntwo workers against one: {speedup:.2f}x")
    print(
        f"the coordinator stores {sqlite_rate:.1f} submissions/s into SQLite, "
        f"{pg_rate:.1f}/s into PostgreSQL {pg_version} (one worker beside it)"
    )
    print(f"workers' sandbox: {isolation}")
    print(f"every run gave every student the same score: {same}")
    if not same:
        raise SystemExit(f"scores differ between runs: {scores}")
    record(
        "exercises",
        {
            "submissions_each": PER_EXERCISE,
            "jobs": 1,
            "seconds_per_submission": {k: round(v, 3) for k, v in per_exercise.items()},
        },
        args.out,
    )
    record(
        "workers",
        {
            "assignment": ASSIGNMENT,
            "submissions": n,
            "mix": "2 of 4 correct, 1 partly, 1 blank",
            "threads_per_worker": 1,
            "seconds": {"1": round(one, 2), "2": round(two, 2)},
            "runs": {k: [round(s, 2) for s in v] for k, v in runs.items()},
            "speedup": round(speedup, 3),
            "isolation": isolation,
        },
        args.out,
    )
    record(
        "storing",
        {
            "assignment": ASSIGNMENT,
            "submissions": n,
            "per_second": {
                "sqlite": round(sqlite_rate, 2),
                "postgresql": round(pg_rate, 2),
            },
            "postgresql_version": pg_version,
            "workers_beside": 1,
        },
        args.out,
    )
    print(
        f"wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}"
    )


if __name__ == "__main__":
    main()
