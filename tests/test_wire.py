"""Plain data between the kernel and the trusted process, and its bounds.

The trusted test process reads what the student's kernel sends; these
tests check that what an honest function returns arrives unchanged, and
that anything else is refused with a :class:`~actzoo_grader.wire.WireError`
rather than read into something it is not.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
import torch

from actzoo_grader import trusted, wire


def _no_refs(value):
    return None


def _no_resolve(tree):
    raise wire.WireError(f"an unknown tag {tree['t']!r}")


def _round_trip(value):
    return wire.loads(wire.dumps(value, _no_refs), _no_resolve)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**80),
        1.5,
        "ReLU ∘ GELU",
        b"\x00\xff",
        (1, [2.0, {"a": None}], frozenset({3})),
        {1: "one", (2, 3): "pair", "nan": math.nan},
        complex(1.0, -2.5),
    ],
)
def test_plain_values_arrive_unchanged(value):
    got = _round_trip(value)
    assert type(got) is type(value)
    if isinstance(value, dict):
        assert list(got) == list(value)
        assert math.isnan(got["nan"])
    else:
        assert got == value


def test_special_floats_keep_their_value():
    got = _round_trip([math.inf, -math.inf, math.nan, -0.0])
    assert got[:2] == [math.inf, -math.inf]
    assert math.isnan(got[2]) and math.copysign(1.0, got[3]) == -1.0


@pytest.mark.parametrize(
    "array",
    [
        np.linspace(-3, 3, 7, dtype=np.float32),
        np.arange(12, dtype=np.int64).reshape(3, 4).T,  # not contiguous
        np.array([True, False]),
        np.array(2.5),
        np.zeros((0, 3), dtype=np.complex128),
        np.array([1.0, 2.0], dtype=">f8"),
    ],
)
def test_arrays_keep_dtype_shape_and_values(array):
    got = _round_trip(array)
    assert isinstance(got, np.ndarray) and got.flags.writeable
    assert got.dtype == array.dtype and got.shape == array.shape
    assert np.array_equal(got, array)


def test_numpy_scalars_and_tensors_stay_what_they_are():
    scalar = _round_trip(np.float32(1.25))
    assert type(scalar) is np.float32 and scalar == np.float32(1.25)
    tensor = torch.linspace(-1, 1, 5, dtype=torch.float64).requires_grad_()
    got = _round_trip({"w": tensor, "b": torch.tensor([1, 2])})
    assert got["w"].dtype == torch.float64 and got["w"].requires_grad
    assert torch.equal(got["w"].detach(), tensor.detach())
    assert got["b"].dtype == torch.int64 and not got["b"].requires_grad


def test_what_is_not_data_needs_a_reference():
    with pytest.raises(wire.WireError, match="a function cannot cross"):
        wire.dumps(lambda x: x, _no_refs)
    with pytest.raises(wire.WireError, match="a ndarray cannot cross"):
        wire.dumps(np.array([object()]), _no_refs)
    assert wire.dumps(len, lambda v: {"t": "kh", "id": 7}) == '{"t":"kh","id":7}'


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"t": "nd", "dtype": "<f8", "shape": [2], "b64": "AAAA"}', "bytes"),
        ('{"t": "nd", "dtype": "<f8", "shape": [-1], "b64": ""}', "shape"),
        ('{"t": "nd", "dtype": "[(\'a\', \'<f8\')]", "shape": [1], "b64": ""}', "read"),
        ('{"t": "np", "dtype": "<f8", "shape": [1], "b64": "AAAAAAAAAAA="}', "scalar"),
        ('{"t": "float", "v": "1e400"}', "float"),
        ('{"t": "dict", "v": [[{"t": "list", "v": []}, 1]]}', "key"),
        ('{"t": "set", "v": [{"t": "list", "v": []}]}', "key"),
        ('{"t": "cb", "id": 1}', "unknown tag"),
        ('{"t": "list"}', "without items"),
        ("[1, 2]", "an item of type list"),
        ("not json", "not JSON"),
        ("[" * 100 + "]" * 100, "type list"),
    ],
)
def test_malformed_messages_are_refused(text, why):
    with pytest.raises(wire.WireError, match=why):
        wire.loads(text, _no_resolve)


def test_nesting_and_size_are_bounded():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested deeper"):
        wire.dumps(deep, _no_refs)
    tree = {"t": "list", "v": []}
    for _ in range(wire.MAX_DEPTH + 5):
        tree = {"t": "list", "v": [tree]}
    with pytest.raises(wire.WireError, match="nested deeper"):
        wire.loads(json.dumps(tree), _no_resolve)
    with pytest.raises(wire.WireError, match="more than may cross"):
        wire.dumps(np.zeros(wire.MAX_CHARS, dtype=np.uint8), _no_refs)
    with pytest.raises(wire.WireError, match="too long"):
        wire.loads(" " * (wire.MAX_CHARS + 1), _no_resolve)


class _Kernel:
    """A fake kernel end: answers each request with the next canned reply."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []

    def link(self):
        out = io.BytesIO()
        lines = "".join(
            json.dumps({"op": "answer", "reply": json.dumps(r)}) + "\n"
            for r in self.replies
        )
        link = trusted.Link(io.BytesIO(lines.encode()), out)
        self.out = out
        return link


def test_a_students_exception_arrives_as_the_same_builtin_type():
    kernel = _Kernel([{"raised": {"ename": "ValueError", "evalue": "p must be < 1"}}])
    link = kernel.link()
    f = trusted.Remote(link, None, {}, name="alpha_dropout")
    with pytest.raises(ValueError, match="p must be < 1") as caught:
        f(1.5)
    assert isinstance(caught.value, trusted.RemoteError)
    request = json.loads(kernel.out.getvalue().splitlines()[0])["request"]
    assert request["op"] == "call" and request["name"] == "alpha_dropout"
    assert "_args" not in request


def test_what_the_students_code_did_to_an_input_is_copied_back():
    original = np.array([1.0, 2.0, 3.0])
    weights = {"w": torch.zeros(2, dtype=torch.float64)}
    changed = wire.to_tree([1.0, -2.0, 3.0], _no_refs)
    after = [
        wire.to_tree(np.array([9.0, 2.0, 3.0]), _no_refs),
        wire.to_tree({"w": torch.ones(2, dtype=torch.float64)}, _no_refs),
    ]
    kernel = _Kernel([{"value": changed, "after": after}])
    f = trusted.Remote(kernel.link(), None, {}, name="f")
    assert f(original, weights) == [1.0, -2.0, 3.0]
    assert original.tolist() == [9.0, 2.0, 3.0]
    assert weights["w"].tolist() == [1.0, 1.0]


def test_names_of_the_tests_stay_trusted_and_the_rest_is_the_students():
    kernel = _Kernel([{"value": 41}])
    ns = trusted.Namespace(kernel.link())
    ns["assert_close"] = "trusted"
    code = compile("result = (assert_close, len, ANSWER + 1)", "<test>", "exec")
    exec(code, ns)
    assert ns["result"] == ("trusted", len, 42)
    request = json.loads(kernel.out.getvalue().splitlines()[0])["request"]
    assert request == {"op": "get", "name": "ANSWER"}


def test_ordered_and_default_dicts_cross_as_dicts():
    from collections import OrderedDict, defaultdict

    got = _round_trip(OrderedDict(b=1, a=2))
    assert type(got) is dict and list(got) == ["b", "a"]
    counts = defaultdict(int, {"x": 3})
    assert _round_trip(counts) == {"x": 3}


def test_a_students_object_passed_back_is_the_one_fetched():
    # ``d1`` is an object of the student's (a handle, number 5); the test
    # reads it by name and hands it to the student's ``slice_2d``.
    kernel = _Kernel(
        [
            {"value": {"t": "kh", "id": 4, "type": "function", "callable": True}},
            {"value": {"t": "kh", "id": 5, "type": "Direction"}},
            {"value": 1.0, "after": [None]},
        ]
    )
    ns = trusted.Namespace(kernel.link())
    exec(compile("result = slice_2d(d1)", "<test>", "exec"), ns)
    assert ns["result"] == 1.0
    requests = [
        json.loads(line)["request"] for line in kernel.out.getvalue().splitlines()
    ]
    assert requests[:2] == [
        {"op": "get", "name": "slice_2d"},
        {"op": "get", "name": "d1"},
    ]
    assert requests[2]["op"] == "call" and requests[2]["name"] == "slice_2d"
    assert requests[2]["args"] == {"t": "list", "v": [{"t": "kh", "id": 5}]}
