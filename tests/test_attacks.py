"""Broken and hostile submissions: each gets a fair score and harms nothing.

One batch of exercise 1 holds a correct, a partly correct and a blank
submission beside one submission per kind of attack. It is graded with two
jobs in sandboxes. Each attack has an expected score, worked out from the
exercise's points (never from a grading run); the correct submissions must
score full marks whatever ran next to them; the gradebook, ``solutions/``
and the grading user's home are untouched; nothing keeps running; and the
instructor's report names what was detected.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from actzoo_grader import sandbox
from actzoo_grader.assignment import parts
from actzoo_grader.autograde import AutogradeResult, autograde
from actzoo_grader.course import REPO, Course
from actzoo_grader.executor import Guarded
from actzoo_grader.feedback import write_feedback
from actzoo_grader.grades import part_scores
from tests.notebooks import html_text, leaked_lines, secret_lines, with_answers
from tests.users import give_to, run_as, running_processes

pytestmark = pytest.mark.slow

ASSIGNMENT = "ex1_activations"
SOURCE = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
RELEASED = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
WHY_SKIPPED = sandbox.check()


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


POINTS = {p.grade_id: p.points for p in parts(SOURCE)}
FULL = sum(POINTS.values())


def _gid(cell: dict) -> str | None:
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def solved(answers: set[str] | None = None) -> dict:
    """Return the release with the answer cells ``answers`` (all) filled."""
    return with_answers(SOURCE, RELEASED, answers)


def blank() -> dict:
    return _load(RELEASED)


def code(source: str) -> dict:
    return {
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def with_cell(nb: dict, source: str, after: str | None = "setup") -> dict:
    """Return ``nb`` with a student cell after the cell ``after`` (or last)."""
    nb = copy.deepcopy(nb)
    at = len(nb["cells"])
    if after is not None:
        at = 1 + next(i for i, c in enumerate(nb["cells"]) if _gid(c) == after)
    nb["cells"].insert(at, code(source))
    return nb


def graded_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]


def tagged(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in graded_cells(nb):
        cell["metadata"]["tags"] = ["skip-execution", "raises-exception"]
    return nb


def edited(nb: dict, ids: set[str]) -> dict:
    nb = copy.deepcopy(nb)
    for cell in graded_cells(nb):
        if _gid(cell) in ids:
            cell["source"] = "pass\n"
    return nb


def deleted(nb: dict, ids: set[str]) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if _gid(c) not in ids]
    return nb


def retagged(nb: dict, ids: set[str] | None = None) -> dict:
    nb = copy.deepcopy(nb)
    for cell in graded_cells(nb):
        if ids is None or _gid(cell) in ids:
            cell["metadata"]["nbgrader"]["grade"] = False
            cell["metadata"]["nbgrader"]["points"] = 0
    return nb


def score_without(*ids: str) -> float:
    return FULL - sum(POINTS[i] for i in ids)


WRONG_RELU = """\
import numpy as np
def relu(x):
    return np.abs(x)
"""

TRANSFORMER = """\
def _blank_tests(lines):
    return ["pass\\n"] if any("Part (" in l for l in lines) else lines
get_ipython().input_transformers_cleanup.append(_blank_tests)
"""

CANARY_THIEF = """\
def _last_line_only(lines):
    if any("Part (" in l for l in lines):
        return [l for l in lines if "ACTZOO_DONE" in l] or ["pass\\n"]
    return lines
ip = get_ipython()
ip.input_transformers_post.append(_last_line_only)
"""

PATCH_LIBRARIES = """\
import numpy
numpy.allclose = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
"""

REBIND_CHECKS = """\
def assert_close(*args, **kwargs):
    return None
def assert_dtype_shape(*args, **kwargs):
    return None
def call_quietly(fn, *args, **kwargs):
    return fn(*args, **kwargs)
"""

ALWAYS_EQUAL = """\
class Anything(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
def relu(x, *a, **k):
    return Anything(0.0)
relu_grad = leaky_relu = leaky_relu_grad = elu = elu_grad = relu
"""

HIDDEN_TRACEBACK = """\
ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip._showtraceback = lambda *a, **k: None
"""

STEAL = """\
import os
targets = {targets!r}
print("FOUND", [t for t in targets if os.path.exists(t)])
for path in targets:
    try:
        open(path, "ab").write(b"ruined")
        print("WROTE", path)
    except OSError as exc:
        print("cannot write", path, type(exc).__name__)
"""

PLANT = """\
import os, pathlib
startup = pathlib.Path.home() / ".ipython/profile_default/startup"
startup.mkdir(parents=True, exist_ok=True)
(startup / "00-pass.py").write_text("import builtins; builtins.PLANTED = 1\\n")
for place in ("/tmp/planted.py", "/root/.ipython/profile_default/startup/00-pass.py",
              os.path.expanduser("~/../planted.py")):
    try:
        pathlib.Path(place).write_text("PLANTED = 1\\n")
        print("planted", place)
    except OSError as exc:
        print("could not plant", place, type(exc).__name__)
"""

CHECK_PLANTED = """\
import os
try:
    PLANTED
except NameError:
    pass
else:
    raise AssertionError("a file planted by another student ran")
assert not os.path.exists("/tmp/planted.py"), "another student's file is here"
"""

SETSID = """\
import subprocess, sys
child = subprocess.Popen(
    [sys.executable, "-c", "import time\\nwhile True: time.sleep(1)"],
    start_new_session=True)
print("started", child.pid)
"""

FORK_BOMB = """\
import os, time
children = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        while True:
            time.sleep(0.1)
    children += 1
print("forked", children, "children before the limit")
"""

MEMORY_BOMB = """\
hoard = []
while True:
    hoard.append(bytearray(256 << 20))
"""

INFINITE_LOOP = """\
while True:
    pass
"""

FLOOD = """\
import sys
block = "x" * (1 << 20)
for _ in range(100):
    sys.stdout.write(block)
"""

LOOP_WHEN_TESTED = """\
import numpy as np
def relu(x):
    x = np.asarray(x)
    while x.size > 100:
        pass
    return np.maximum(x, 0)
"""

EXIT_IN_CELL = """\
import os
os._exit(3)
"""

EXIT_IN_SOFTPLUS = """\
import os
def softplus(x, beta=1.0):
    os._exit(4)
"""

NETWORK = """\
import socket, urllib.request
for target in (("127.0.0.1", {port}), ("10.0.2.2", 80), ("pypi.org", 443)):
    try:
        socket.create_connection(target, timeout=3).close()
        print("CONNECTED", target)
    except OSError as exc:
        print("no connection to", target, type(exc).__name__)
"""

DISPLAY_UPDATES = """\
handles = [display("small", display_id="same") for _ in range(3)]
for _ in range(5):
    handles[0].update("x" * (30 << 20))
"""

SHOW_THEN_RAISE = """\
import sys
def relu(x, *a, **k):
    getattr(sys, "display" + "hook")(100)
    raise ValueError("not written yet")
relu_grad = leaky_relu = leaky_relu_grad = elu = elu_grad = relu
selu = selu_grad = softplus = softplus_grad = silu = silu_grad = relu
gelu = gelu_grad = sigmoid = relu
"""

READ_HISTORY = """\
def elu(x, alpha=1.0):
    raise ValueError("\\n".join(In))
"""

REFERENCE_ROUTES = """\
import glob, importlib, marshal, os, sys, types
names = ["relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "elu",
         "elu_grad", "selu", "selu_grad", "softplus", "softplus_grad",
         "sigmoid", "silu", "silu_grad", "gelu", "gelu_grad"]
found = {}
def take(module):
    for name in names:
        if callable(getattr(module, name, None)):
            found.setdefault(name, getattr(module, name))
routes = []
try:
    take(getattr(sys, "modules")["actzoo"])
except Exception as exc:
    routes.append(("sys.modules", type(exc).__name__))
try:
    take(importlib.import_module("actzoo.activations"))
except Exception as exc:
    routes.append(("importlib", type(exc).__name__))
for root in sys.path:
    for path in glob.glob(os.path.join(root, "actzoo", "*.py")) + glob.glob(
            os.path.join(root, "actzoo", "__pycache__", "*.pyc")):
        try:
            if path.endswith(".pyc"):
                code = marshal.loads(open(path, "rb").read()[16:])
            else:
                code = compile(open(path).read(), path, "exec")
            module = types.ModuleType("stolen")
            exec(code, module.__dict__)
            take(module)
        except Exception as exc:
            routes.append((path, type(exc).__name__))
for lib in ("torch.nn.functional", "scipy.special", "sklearn.neural_network._base"):
    try:
        importlib.import_module(lib)
        routes.append((lib, "IMPORTED"))
    except Exception as exc:
        routes.append((lib, type(exc).__name__))
print("routes:", routes)
print("found:", sorted(found))
globals().update(found)
"""

AGENT_HIJACK = """\
import json
from IPython.display import publish_display_data
MIME = "application/x-actzoo-reply+json"
agent = next(v for k, v in list(globals().items()) if k.startswith("_actzoo_agent_"))
crafted = [
    {"value": {"t": "cb", "id": 1}},
    {"value": {"t": "nd", "dtype": "|O", "shape": [3], "b64": ""}},
    {"value": {"t": "nd", "dtype": "<f8", "shape": [1000000], "b64": "AAAA"}},
    {"value": {"t": "float", "v": "1e400"}},
    {"value": {"t": "kh", "id": "x"}},
    {"value": json.loads("[" * 60 + "1" + "]" * 60)},
    {"raised": "not a dict"},
    {"novalue": 1},
]
count = [0]
def serve(text):
    reply = crafted[count[0] % len(crafted)]
    count[0] += 1
    publish_display_data({MIME: json.dumps(reply)})
agent.serve = serve
"""

#: Results no array can be made of, one cell after each answer it replaces.
REPLY_BOMBS = {
    "relu": """\
import numpy as np
def relu(x):
    nested = 1.0
    for _ in range(5000):
        nested = [nested]
    return nested
def relu_grad(x):
    return np.zeros(np.shape(x), dtype=object)
""",
    "leaky_relu": """\
import numpy as np
def leaky_relu(x, alpha=0.01):
    return (v for v in np.asarray(x))
def leaky_relu_grad(x, alpha=0.01):
    class Liar:
        def __array__(self, *a, **k):
            raise RuntimeError("no array here")
        def __len__(self):
            return -1
    return Liar()
""",
    "elu": """\
import numpy as np
def elu(x, alpha=1.0):
    return np.zeros((2000, 2000), dtype=np.uint8)
def elu_grad(x, alpha=1.0):
    return input("give me the answer")
""",
}


def with_bombs(nb: dict) -> dict:
    """Return ``nb`` with each of :data:`REPLY_BOMBS` after its answer."""
    for after, source in REPLY_BOMBS.items():
        nb = with_cell(nb, source, after=after)
    return nb


READ_CALLER = """\
import traceback
import numpy as np
def relu(x):
    x = np.asarray(x)
    if x.size > 10:
        lines = [f"{frame.line}\\n" for frame in traceback.extract_stack()]
        raise ValueError("".join(lines))
    return np.maximum(x, 0)
"""

# Files of 60 MiB each, under the per-file limit, until 1.2 GB: in the
# folder, as deleted files held open, and in /tmp.
FILL_FOLDER = """\
block = b"x" * (60 << 20)
for i in range(20):
    with open(f"fill{i}.bin", "wb") as fh:
        fh.write(block)
"""

FILL_UNLINKED = """\
import os
block = b"x" * (60 << 20)
held = []
for i in range(20):
    fh = open(f"gone{i}.bin", "wb")
    os.unlink(f"gone{i}.bin")
    fh.write(block)
    fh.flush()
    held.append(fh)
"""

FILL_TMP = """\
block = b"x" * (60 << 20)
try:
    for i in range(20):
        with open(f"/tmp/fill{i}.bin", "wb") as fh:
            fh.write(block)
except OSError as exc:
    print("stopped:", exc.strerror)
"""

BACKGROUND_THREAD = """\
import threading, time
def later():
    time.sleep(0.2)
    import actzoo_grader.checks
    actzoo_grader.checks.assert_close = lambda *a, **k: None
threading.Thread(target=later, daemon=True).start()
"""


# Files handed in beside the notebook, each trying to run before the tests.
STARTUP_FILES = {".ipython/profile_default/startup/00-tests.py": CANARY_THIEF}
KERNEL_CONFIG_FILES = {
    name: f"c.InteractiveShellApp.exec_lines = [{CANARY_THIEF!r}]\n"
    for name in ("ipython_kernel_config.py", "ipython_config.py")
}
SHADOW_FILES = {
    "actzoo_grader/__init__.py": "",
    "actzoo_grader/checks.py": REBIND_CHECKS + CANARY_THIEF,
    "numpy/__init__.py": (
        "import sys\n"
        "sys.path = [p for p in sys.path if p not in ('', '.')]\n"
        "del sys.modules['numpy']\n"
        "import numpy\n"
        "numpy.allclose = lambda *a, **k: True\n"
    ),
    "sitecustomize.py": CANARY_THIEF,
    "usercustomize.py": CANARY_THIEF,
}
HONEST_FILES = {
    "notes.txt": "my notes\n",
    "helpers.py": "def double(x):\n    return 2 * x\n",
    "data/values.csv": "x,y\n1,2\n",
}


class WithFiles:
    """A notebook handed in with other files beside it."""

    def __init__(self, nb: dict, files: dict[str, str]) -> None:
        self.nb, self.files = nb, files

    def write(self, folder: Path) -> None:
        _write(folder, self.nb)
        for name, text in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


class Linked:
    """A submission holding symbolic links, which are never followed.

    ``notebook`` links the notebook itself to the instructor's solution;
    ``files`` are links beside a notebook (``nb``) to the gradebook and to
    a file only the grading user may read; ``folder`` makes the whole
    assignment folder a link to another student's solved work.
    """

    def __init__(self, kind: str, nb: dict | None = None) -> None:
        self.kind, self.nb = kind, nb

    def write(self, folder: Path, course: Path) -> None:
        if self.kind == "folder":
            elsewhere = course.parent / "classmate" / ASSIGNMENT
            _write(elsewhere, solved())
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.symlink_to(elsewhere, target_is_directory=True)
            return
        folder.mkdir(parents=True, exist_ok=True)
        if self.kind == "notebook":
            (folder / f"{ASSIGNMENT}.ipynb").symlink_to(SOURCE)
            return
        assert self.nb is not None
        _write(folder, self.nb)
        (folder / "gradebook.db").symlink_to(course / "gradebook.db")
        private = course.parent / "private.txt"
        private.write_text("only the grading user may read this\n")
        private.chmod(0o600)
        (folder / "private").symlink_to(private)
        (folder / "solutions").symlink_to(REPO / "solutions", target_is_directory=True)


def _write(folder: Path, nb: dict | str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ASSIGNMENT}.ipynb"
    path.write_text(nb if isinstance(nb, str) else json.dumps(nb))


def _oversized(nb: dict) -> str:
    """Return ``nb`` as text past the size a notebook may have."""
    big = copy.deepcopy(nb)
    filler = {"cell_type": "markdown", "metadata": {}, "source": "x" * (51 << 20)}
    big["cells"].append(filler)
    return json.dumps(big)


def _submissions(
    port: int, course: Path = Path("/nowhere"), home: Path | None = None
) -> dict[str, tuple[object, float]]:
    """Return ``{student: (notebook or callable(folder), expected score)}``."""
    ok = solved()
    partial = solved({"relu", "leaky_relu"})
    return {
        "correct_a": (ok, FULL),
        "correct_b": (ok, FULL),
        "partial": (partial, POINTS["test_relu"] + POINTS["test_leaky_relu"]),
        # A wrong first part costs that part only: later tests need nothing
        # the first test cell defines after its first failing line.
        "wrong_first_part": (
            with_cell(ok, WRONG_RELU, after="relu"),
            score_without("test_relu"),
        ),
        "blank": (blank(), 0.0),
        "skip_execution_tags": (tagged(blank()), 0.0),
        "tags_on_correct": (tagged(ok), 0.0),
        "input_transformer": (with_cell(blank(), TRANSFORMER), 0.0),
        "canary_thief": (with_cell(blank(), CANARY_THIEF), 0.0),
        "patched_numpy": (with_cell(blank(), PATCH_LIBRARIES), 0.0),
        "rebound_checks": (with_cell(blank(), REBIND_CHECKS, after="relu"), 0.0),
        "always_equal": (with_cell(blank(), ALWAYS_EQUAL, after="relu"), 0.0),
        "hidden_tracebacks": (with_cell(blank(), HIDDEN_TRACEBACK), 0.0),
        "background_thread": (with_cell(blank(), BACKGROUND_THREAD), 0.0),
        "edited_tests_blank": (edited(blank(), set(POINTS)), 0.0),
        "edited_test_correct": (edited(ok, {"test_relu"}), score_without("test_relu")),
        "deleted_tests": (
            deleted(ok, {"test_relu", "test_elu"}),
            score_without("test_relu", "test_elu"),
        ),
        "deleted_tests_blank": (deleted(blank(), set(POINTS)), 0.0),
        "retagged_tests_blank": (retagged(blank()), 0.0),
        "retagged_test_correct": (
            retagged(ok, {"test_silu"}),
            score_without("test_silu"),
        ),
        "steals_and_writes": (
            with_cell(
                ok,
                STEAL.format(
                    targets=[
                        str(course / "gradebook.db"),
                        str(REPO / "solutions"),
                        str(SOURCE),
                        str(course / "submitted"),
                        str((home or Path.home()) / ".bashrc"),
                    ]
                ),
                after=None,
            ),
            FULL,
        ),
        "plants_files": (with_cell(ok, PLANT, after=None), FULL),
        "z_finds_no_plants": (with_cell(ok, CHECK_PLANTED), FULL),
        "setsid_child": (with_cell(ok, SETSID), FULL),
        "fork_bomb": (with_cell(ok, FORK_BOMB, after=None), FULL),
        "memory_bomb": (with_cell(ok, MEMORY_BOMB, after="elu"), FULL),
        "infinite_loop": (with_cell(ok, INFINITE_LOOP, after="relu"), FULL),
        "huge_output": (with_cell(ok, FLOOD, after="relu"), FULL),
        "display_updates": (with_cell(ok, DISPLAY_UPDATES, after="relu"), FULL),
        "fills_folder": (with_cell(ok, FILL_FOLDER, after=None), FULL),
        "fills_unlinked": (with_cell(ok, FILL_UNLINKED, after=None), FULL),
        "fills_tmp": (with_cell(ok, FILL_TMP, after=None), FULL),
        "shows_then_raises": (with_cell(blank(), SHOW_THEN_RAISE, after=None), 0.0),
        "reads_history": (
            with_cell(solved({"relu", "leaky_relu"}), READ_HISTORY, after="elu"),
            POINTS["test_relu"] + POINTS["test_leaky_relu"],
        ),
        "reads_caller": (with_cell(solved({"relu"}), READ_CALLER, after="relu"), 0.0),
        "reference_routes": (with_cell(blank(), REFERENCE_ROUTES, after="relu"), 0.0),
        "agent_hijack": (with_cell(ok, AGENT_HIJACK, after="relu"), 0.0),
        "reply_bombs": (
            with_bombs(ok),
            # The course's selu calls elu: it inherits elu's bomb.
            score_without("test_relu", "test_leaky_relu", "test_elu", "test_selu"),
        ),
        "exits_in_a_cell": (with_cell(ok, EXIT_IN_CELL, after="elu"), FULL),
        # A test's call that never returns: the kernel is interrupted, the
        # part scores 0 and the kernel serves the later parts.
        "loops_when_tested": (
            with_cell(ok, LOOP_WHEN_TESTED, after="relu"),
            score_without("test_relu"),
        ),
        "exits_in_a_test": (
            with_cell(ok, EXIT_IN_SOFTPLUS, after="softplus"),
            score_without("test_softplus"),
        ),
        "network": (with_cell(ok, NETWORK.format(port=port)), FULL),
        "ipython_startup_file": (WithFiles(blank(), STARTUP_FILES), 0.0),
        "kernel_config_file": (WithFiles(blank(), KERNEL_CONFIG_FILES), 0.0),
        "shadowing_modules": (WithFiles(blank(), SHADOW_FILES), 0.0),
        "honest_extra_files": (WithFiles(ok, HONEST_FILES), FULL),
        "huge_cell": (with_cell(ok, "#" + "x" * 1_500_000, after=None), FULL),
        "oversized_notebook": (_oversized(ok), 0.0),
        "linked_notebook": (Linked("notebook"), 0.0),
        "linked_files": (Linked("files", ok), FULL),
        "linked_folder": (Linked("folder"), 0.0),
        "malformed_json": (json.dumps(ok)[:5000], 0.0),
        "renamed_notebook": ("renamed", 0.0),
        "missing_notebook": ("missing", 0.0),
    }


def write_batch(course: Path, submissions: dict[str, tuple[object, float]]) -> None:
    """Write each of ``submissions`` (:func:`_submissions`) into ``course``."""
    for student, (nb, _) in submissions.items():
        folder = course / "submitted" / student / ASSIGNMENT
        if nb == "renamed":
            folder.mkdir(parents=True)
            (folder / "my_activations.ipynb").write_text(json.dumps(solved()))
        elif nb == "missing":
            folder.mkdir(parents=True)
            (folder / "notes.txt").write_text("I forgot the notebook\n")
        elif isinstance(nb, WithFiles):
            nb.write(folder)
        elif isinstance(nb, Linked):
            nb.write(folder, course)
        else:
            assert isinstance(nb, (dict, str)), nb
            _write(folder, nb)


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


@dataclass
class Outcome:
    """What a grading run reported, read from its output when run as a user."""

    detections: dict[str, list[str]]
    failed: dict[str, str]


def _outcome(output: str, students: Iterable[str]) -> Outcome:
    """Return the DETECTED and FAILED lines of ``output``, by student."""
    found = Outcome({s: [] for s in students}, {})
    for line in output.splitlines():
        match = re.match(rf"{ASSIGNMENT}: (DETECTED|FAILED) (\S+): (.*)$", line)
        if match and match[1] == "DETECTED":
            found.detections[match[2]].append(match[3])
        elif match:
            found.failed[match[2]] = match[3]
    return found


#: Whom the batch is graded as: the user running the tests (in this
#: process), and an ordinary user made for the tests (by the command line).
GRADERS = ("this user", "an ordinary user")


@pytest.fixture(scope="module", params=GRADERS)
def batch(request, tmp_path_factory):
    if WHY_SKIPPED:
        pytest.skip(f"sandboxes cannot be made here: {WHY_SKIPPED}")
    grader = None
    if request.param == "an ordinary user":
        grader = request.getfixturevalue("ordinary_user")
        root = Path(tempfile.mkdtemp(prefix="actzoo-attacks-"))
        root.chmod(0o755)
        request.addfinalizer(lambda: shutil.rmtree(root, ignore_errors=True))
    else:
        root = tmp_path_factory.mktemp("attacks")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    connections: list[object] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except OSError:
                continue

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    course = Course(root=root / "course")
    home = Path(grader.pw_dir) if grader else Path.home()
    submissions = _submissions(listener.getsockname()[1], course.root, home)
    submitted = course.root / "submitted"
    write_batch(course.root, submissions)
    home_startup = home / ".ipython" / "profile_default" / "startup"
    before = {
        "solutions": _digest(REPO / "solutions"),
        "submitted": _digest(submitted),
        "home_startup": sorted(home_startup.glob("*")) if home_startup.is_dir() else [],
        "tmp_planted": Path("/tmp/planted.py").exists(),
    }
    limits = sandbox.Limits(cell_timeout=20, wall=300, memory=2 << 30, processes=64)
    result: AutogradeResult | Outcome
    if grader is None:
        result = autograde(course, ASSIGNMENT, executor=Guarded(limits=limits), jobs=2)
    else:
        give_to(grader, course.root)
        run = run_as(
            grader,
            grader_command(
                course.root,
                "autograde",
                ASSIGNMENT,
                "--jobs",
                "2",
                "--timeout",
                str(limits.cell_timeout),
                "--wall",
                str(limits.wall),
                "--memory-mb",
                str(limits.memory >> 20),
            ),
        )
        assert "sandbox: rootless" in run.stdout, run.stdout + run.stderr
        result = _outcome(run.stdout, submissions)
    stop.set()
    thread.join()
    listener.close()
    return {
        "course": course,
        "result": result,
        "submissions": submissions,
        "before": before,
        "connections": connections,
        "home_startup": home_startup,
        "limits": limits,
        "user": grader,
    }


def grader_command(course: Path, *args: str) -> list[str]:
    """Return the command line of the grader on ``course``, as an instructor types it."""
    return [sys.executable, "-m", "actzoo_grader", "--course", str(course), *args]


def _totals(course: Course) -> dict[str, float]:
    totals: dict[str, float] = {}
    for part in part_scores(course, ASSIGNMENT):
        totals[part.student] = totals.get(part.student, 0.0) + part.score
    return totals


def test_there_are_at_least_fifteen_kinds_of_attack():
    kinds = set(_submissions(1)) - {"correct_a", "correct_b", "partial", "blank"}
    assert len(kinds) >= 15


def test_every_submission_gets_its_expected_score(batch):
    totals = _totals(batch["course"])
    expected = {s: score for s, (_, score) in batch["submissions"].items()}
    wrong = {
        s: (totals.get(s, 0.0), want)
        for s, want in expected.items()
        if totals.get(s, 0.0) != want
    }
    assert not wrong, f"(got, expected): {wrong}"


def test_correct_submissions_are_unaffected(batch):
    totals = _totals(batch["course"])
    assert totals["correct_a"] == totals["correct_b"] == FULL


def test_the_course_folder_and_machine_are_intact(batch):
    before = batch["before"]
    assert _digest(REPO / "solutions") == before["solutions"]
    submitted = batch["course"].root / "submitted"
    assert _digest(submitted) == before["submitted"], (
        "a submission changed what students handed in"
    )
    home = batch["home_startup"]
    now = sorted(home.glob("*")) if home.is_dir() else []
    assert now == before["home_startup"]
    assert Path("/tmp/planted.py").exists() == before["tmp_planted"]
    # Every student has scores, even without a readable notebook: the
    # gradebook was not ruined.
    students = {p.student for p in part_scores(batch["course"], ASSIGNMENT)}
    assert set(batch["submissions"]) <= students
    assert not batch["connections"], "a kernel reached a port on the host"


def test_output_stays_within_its_budget(batch):
    """Floods, updates of displays included, cannot bloat a stored notebook."""
    autograded = batch["course"].root / "autograded"
    sizes = {
        p.parent.parent.name: p.stat().st_size for p in autograded.rglob("*.ipynb")
    }
    assert {"huge_output", "display_updates"} <= set(sizes)
    budget = batch["limits"].output
    assert max(sizes.values()) < budget + (1 << 20), sizes


def test_disk_stays_within_its_budget(batch):
    """Many files under the size limit, held open or in /tmp, are still bounded."""
    reports = batch["course"].root / "reports" / ASSIGNMENT
    for student in ("fills_folder", "fills_unlinked"):
        report = json.loads((reports / f"{student}.json").read_text())
        assert report["notebooks"][ASSIGNMENT]["disk_stops"] == 1, report
    graded = batch["course"].root / "autograded" / "fills_tmp" / ASSIGNMENT
    text = (graded / f"{ASSIGNMENT}.ipynb").read_text()
    assert "stopped: No space left on device" in text


def test_nothing_keeps_running(batch):
    if batch["user"] is not None:
        assert running_processes(batch["user"].pw_name) == []
    for slot in range(4):
        assert sandbox.processes_of(sandbox.FIRST_UID + slot) == []


def test_the_report_names_what_was_detected(batch):
    detections = batch["result"].detections
    expect = {
        "skip_execution_tags": "tags",
        "edited_tests_blank": "edited",
        "deleted_tests": "deleted",
        "retagged_tests_blank": "retagged",
        "infinite_loop": "timed out",
        "loops_when_tested": "timed out",
        "huge_output": "dropped",
        "exits_in_a_cell": "died",
        "malformed_json": "cannot be read",
        "huge_cell": "1,500,001 characters",
        "oversized_notebook": "more than the",
        "renamed_notebook": "not a notebook",
        "missing_notebook": "missing",
    }
    for student, word in expect.items():
        text = " ".join(detections.get(student, []))
        assert word in text, f"{student}: {detections.get(student)}"
    # What student code does to its own kernel cannot reach a verdict, so
    # there is nothing to detect: these score what their functions earn.
    for student in (
        "correct_a",
        "correct_b",
        "partial",
        "blank",
        "input_transformer",
        "canary_thief",
        "patched_numpy",
        "rebound_checks",
        "always_equal",
        "hidden_tracebacks",
        "background_thread",
        "reference_routes",
        "agent_hijack",
        "reply_bombs",
    ):
        assert detections[student] == [], (student, detections[student])


def test_links_are_never_followed(batch):
    """No link's target is read as the student's, copied or shown."""
    course = batch["course"]
    autograded = course.root / "autograded"
    copied = {p.name for p in (autograded / "linked_files").rglob("*")}
    assert not copied & {"gradebook.db", "private", "solutions"}, copied
    assert not any(p.is_symlink() for p in autograded.rglob("*"))
    secret = json.loads(SOURCE.read_text())
    solution_lines = {
        line.strip()
        for cell in secret["cells"]
        if cell["metadata"].get("nbgrader", {}).get("solution")
        for line in "".join(cell["source"]).splitlines()
        if line.strip().startswith("return ")
    }
    for shown in autograded.rglob("*.ipynb"):
        if shown.parent.parent.name in ("linked_notebook", "linked_folder"):
            text = shown.read_text()
            assert not [line for line in solution_lines if line in text], shown
    failed = batch["result"].failed
    assert "linked_folder" in failed and "link" in failed["linked_folder"]
    notes = " ".join(batch["result"].detections["linked_files"])
    assert "private is a link" in notes and "gradebook.db is a link" in notes


def test_feedback_holds_no_hidden_test_line(batch):
    """Whatever a submission prints or raises, no page quotes a hidden test."""
    pages = write_feedback(batch["course"], ASSIGNMENT)
    assert len(pages) >= len(batch["submissions"]) - 6
    secrets = secret_lines(SOURCE, kinds=("HIDDEN TESTS",))
    assert len(secrets) > 20
    for page in pages:
        leaks = leaked_lines(html_text(page.read_text()), secrets)
        assert not leaks, (page, leaks[:3])
    # The stack the student's code sees is the agent's: no test is on it.
    (caller,) = [p for p in pages if p.parent.parent.name == "reads_caller"]
    assert "[withheld:" not in caller.read_text()
    assert "ValueError" in html_text(caller.read_text())
    # The kernel's history holds the cells that ran, never a test cell.
    history = next(p for p in pages if p.parent.parent.name == "reads_history")
    text = html_text(history.read_text())
    assert 'raise ValueError("\\n".join(In))' in text
    message = text[text.index("ValueError: ") :]
    assert "def relu(x):" in message and "def elu(x, alpha=1.0):" in message
    assert 'assert_close(relu(x), [0.0, 0.0, 3.5], "relu(x)", x)' not in message


def test_secrets_stay_out_of_reach(batch):
    graded = (
        batch["course"].root
        / "autograded"
        / "steals_and_writes"
        / ASSIGNMENT
        / f"{ASSIGNMENT}.ipynb"
    )
    cells = json.loads(graded.read_text())["cells"]
    text = "".join(
        "".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])
    )
    assert "FOUND []\n" in text, text
    assert "WROTE" not in text and "cannot write" in text
    flood = (
        batch["course"].root
        / "autograded"
        / "huge_output"
        / ASSIGNMENT
        / f"{ASSIGNMENT}.ipynb"
    )
    assert flood.stat().st_size < 8 << 20
