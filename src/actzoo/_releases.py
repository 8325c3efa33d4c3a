"""The released exercise notebooks, as :mod:`actzoo.check` knows them.

Generated from ``exercises/`` by ``python -m actzoo.check --write-manifest
exercises``; do not edit. Everything here is in the released notebooks.
"""

# fmt: off
RELEASES = {
    'course': 'The Activation Zoo',
    'format': 1,
    'assignments': {
        'ex1_activations': {
            'notebook': 'ex1_activations.ipynb',
            'title': 'Exercise 1: implement the activations',
            'cells': [
                {
                    'grade_id': 'install',
                    'role': 'given',
                    'sha256': '7e31f6a718d9baa1c84ee1003ea5f39e40bcc49c97a2a6448a0a41ddfca35e8b',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '# The course package, installed only where this Python lacks it (Colab,\n'
                        "# a JupyterHub, a new environment). In the course's environment, and when\n"
                        '# the notebook is graded, this cell does nothing.\n'
                        'import importlib.util\n'
                        '\n'
                        'if (\n'
                        '    importlib.util.find_spec("actzoo") is None\n'
                        '    or importlib.util.find_spec("actzoo_grader") is None\n'
                        '):\n'
                        '    raise ModuleNotFoundError(\n'
                        '        "This notebook needs the course package actzoo. "\n'
                        '        "Download actzoo-0.1.0-py3-none-any.whl from the course\'s site "\n'
                        '        "(page \'Hands-on practice\') into this notebook\'s folder, run "\n'
                        '        "this in a cell, then run the notebook again:\\n"\n'
                        "        '%pip install actzoo-0.1.0-py3-none-any.whl'\n"
                        '    )'
                    ),
                },
                {
                    'grade_id': 'setup',
                    'role': 'given',
                    'sha256': '7944a27038d700a91cdc3f4e18c71c352b5b8d4275dd797ac5f5e722d8c71f1c',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'import math\n'
                        '\n'
                        'import numpy as np\n'
                        '\n'
                        'from actzoo_grader.checks import assert_close, assert_dtype_shape, call_quietly'
                    ),
                },
                {
                    'grade_id': 'relu',
                    'role': 'answer',
                    'sha256': 'cc41e618fdf0cb99dabc3b4aa8d8d27059f92a143057ac848c7e09babe111378',
                },
                {
                    'grade_id': 'test_relu',
                    'role': 'test',
                    'sha256': '2e211a757f206fcf78aa688db5ff93b189d7c2bc82716f66c0944ad009726320',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (a): ReLU and its derivative\n'
                        'x = np.array([-2.0, 0.0, 3.5])\n'
                        'assert_close(relu(x), [0.0, 0.0, 3.5], "relu(x)", x)\n'
                        'assert_close(relu_grad(x), [0.0, 0.0, 1.0], "relu_grad(x)", x)\n'
                        'assert_dtype_shape(relu(x.astype(np.float32)), x.astype(np.float32), "relu")'
                    ),
                    'points': 2,
                    'title': 'Part (a): ReLU and its derivative',
                    'answers': [
                        'relu',
                    ],
                },
                {
                    'grade_id': 'leaky_relu',
                    'role': 'answer',
                    'sha256': 'f649468a255c58e9ac9be134da46ac1f111c2f82e345bb9f57d7b9e71ae1bdb9',
                },
                {
                    'grade_id': 'test_leaky_relu',
                    'role': 'test',
                    'sha256': '32fc15fda6ce6e51316cef3869d98ddc3a0aedae32b39ed95a988ea01ae09dc3',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (b): Leaky ReLU and its derivative\n'
                        'x = np.array([-2.0, 0.0, 3.5])\n'
                        'assert_close(leaky_relu(x), [-0.02, 0.0, 3.5], "leaky_relu(x)", x)\n'
                        'assert_close(leaky_relu_grad(x, alpha=0.1), [0.1, 0.1, 1.0],\n'
                        '             "leaky_relu_grad(x, alpha=0.1)", x)'
                    ),
                    'points': 2,
                    'title': 'Part (b): Leaky ReLU and its derivative',
                    'answers': [
                        'leaky_relu',
                    ],
                },
                {
                    'grade_id': 'elu',
                    'role': 'answer',
                    'sha256': 'dddc23a5c3584e28ed77566b52cf35db9f9600288fcf495ce42341fa534aa240',
                },
                {
                    'grade_id': 'test_elu',
                    'role': 'test',
                    'sha256': 'aa95ce1a84c87efe80e14bda0529d327523b048234371912ad9e88b3e0ce6cfd',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (c): ELU and its derivative\n'
                        'x = np.array([-1.0, 0.0, 2.0])\n'
                        'assert_close(elu(x), [math.exp(-1.0) - 1.0, 0.0, 2.0], "elu(x)", x)\n'
                        'assert_close(elu_grad(x, alpha=2.0), [2.0 * math.exp(-1.0), 2.0, 1.0],\n'
                        '             "elu_grad(x, alpha=2.0)", x)\n'
                        'assert_close(call_quietly(elu, np.array([800.0])), [800.0], "elu(800)")'
                    ),
                    'points': 3,
                    'title': 'Part (c): ELU and its derivative',
                    'answers': [
                        'elu',
                    ],
                },
                {
                    'grade_id': 'selu_constants',
                    'role': 'given',
                    'sha256': '4096f6e6c232555c2626344953482c60f35e11d55512c583aa669ae2f7647a76',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'SELU_ALPHA = 1.6732632423543772848170429916717\n'
                        'SELU_SCALE = 1.0507009873554804934193349852946'
                    ),
                },
                {
                    'grade_id': 'selu',
                    'role': 'answer',
                    'sha256': 'e0db9352a3f040e7c93d043d432e95a86317189f8bb9e1ab6b5fcb8c52d882e6',
                },
                {
                    'grade_id': 'test_selu',
                    'role': 'test',
                    'sha256': '083115b3aebb83f4b06acdcaae95912326c4eeb5f0eaa7938a8e1bf524599efb',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (d): SELU and its derivative\n'
                        'x = np.array([-1.0, 2.0])\n'
                        'assert_close(selu(x), [SELU_SCALE * SELU_ALPHA * (math.exp(-1.0) - 1.0),\n'
                        '                       SELU_SCALE * 2.0], "selu(x)", x)\n'
                        'assert_close(selu_grad(np.array([0.0])), [SELU_SCALE * SELU_ALPHA],\n'
                        '             "selu_grad(0)")'
                    ),
                    'points': 2,
                    'title': 'Part (d): SELU and its derivative',
                    'answers': [
                        'selu',
                    ],
                },
                {
                    'grade_id': 'softplus',
                    'role': 'answer',
                    'sha256': '319d1be9c7ec185aa18d3da9786c11e37765e6af5c99fde72e87bdf4c1bda0c3',
                },
                {
                    'grade_id': 'test_softplus',
                    'role': 'test',
                    'sha256': 'ed3fd4b79481fe79f9fd023b6e0087f595c92c9ce3c3f8131109b30cbdb8786f',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (e): softplus and its derivative\n'
                        'x = np.array([-3.0, 0.0, 3.0])\n'
                        'assert_close(softplus(x), np.log(1.0 + np.exp(x)), "softplus(x)", x)\n'
                        'assert_close(softplus(np.array([0.0]), beta=4.0), [math.log(2.0) / 4.0],\n'
                        '             "softplus(0, beta=4)")\n'
                        'assert_close(softplus_grad(x), 1.0 / (1.0 + np.exp(-x)), "softplus_grad(x)", x)\n'
                        'assert_close(call_quietly(softplus, np.array([1000.0])), [1000.0],\n'
                        '             "softplus(1000)")'
                    ),
                    'points': 3,
                    'title': 'Part (e): softplus and its derivative',
                    'answers': [
                        'softplus',
                    ],
                },
                {
                    'grade_id': 'silu',
                    'role': 'answer',
                    'sha256': '1b811518f54aa004f13375a4b0f7eb4c38275272d7c0636632dfd9bd7afb024b',
                },
                {
                    'grade_id': 'test_silu',
                    'role': 'test',
                    'sha256': 'b0b097881f6fc327aaafdf24e5ff39c5d7229f62c7a60d0d71630e0ad5d7214f',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (f): SiLU and its derivative\n'
                        'x = np.array([-2.0, 0.0, 2.0])\n'
                        's = 1.0 / (1.0 + np.exp(-x))\n'
                        'assert_close(silu(x), x * s, "silu(x)", x)\n'
                        'assert_close(silu_grad(x), s * (1.0 + x * (1.0 - s)), "silu_grad(x)", x)'
                    ),
                    'points': 3,
                    'title': 'Part (f): SiLU and its derivative',
                    'answers': [
                        'silu',
                    ],
                },
                {
                    'grade_id': 'std_normal_cdf',
                    'role': 'given',
                    'sha256': '8e0dc03d523daafc2e026212b476280c69806394b2b7970a00489c80d2072cfe',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '_erfc = np.frompyfunc(math.erfc, 1, 1)\n'
                        '\n'
                        '\n'
                        'def std_normal_cdf(x):\n'
                        '    """Return Phi(x) = erfc(-x / sqrt(2)) / 2 elementwise, in x\'s dtype."""\n'
                        '    x = np.asarray(x)\n'
                        '    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)\n'
                        '    cdf = np.asarray(_erfc(-x / math.sqrt(2.0)), dtype=np.float64) / 2\n'
                        '    return cdf.astype(dtype)'
                    ),
                },
                {
                    'grade_id': 'gelu',
                    'role': 'answer',
                    'sha256': '5b95175180ddf23f7acc10348dbad806e24b229988ba7e395c2d080b871ef68e',
                },
                {
                    'grade_id': 'test_gelu',
                    'role': 'test',
                    'sha256': '150cfd58127cddc2436b6a8216e82c2256f1cbd11070a27b3463b9945b312e35',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (g): GELU, exact and tanh, and their derivatives\n'
                        'x = np.array([-1.0, 0.0, 1.0])\n'
                        'Phi = np.array([0.15865525393145707, 0.5, 0.8413447460685429])\n'
                        'assert_close(gelu(x), x * Phi, "gelu(x)", x)\n'
                        'assert_close(gelu_grad(np.array([0.0])), [0.5], "gelu_grad(0)")\n'
                        'assert_close(gelu(np.array([1.0]), approximate="tanh"),\n'
                        '             [0.5 * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * 1.044715))],\n'
                        '             "gelu(1, approximate=\'tanh\')")'
                    ),
                    'points': 3,
                    'title': 'Part (g): GELU, exact and tanh, and their derivatives',
                    'answers': [
                        'gelu',
                    ],
                },
            ],
        },
        'ex2_dead_units': {
            'notebook': 'ex2_dead_units.ipynb',
            'title': 'Exercise 2: dead units',
            'cells': [
                {
                    'grade_id': 'install',
                    'role': 'given',
                    'sha256': '7e31f6a718d9baa1c84ee1003ea5f39e40bcc49c97a2a6448a0a41ddfca35e8b',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '# The course package, installed only where this Python lacks it (Colab,\n'
                        "# a JupyterHub, a new environment). In the course's environment, and when\n"
                        '# the notebook is graded, this cell does nothing.\n'
                        'import importlib.util\n'
                        '\n'
                        'if (\n'
                        '    importlib.util.find_spec("actzoo") is None\n'
                        '    or importlib.util.find_spec("actzoo_grader") is None\n'
                        '):\n'
                        '    raise ModuleNotFoundError(\n'
                        '        "This notebook needs the course package actzoo. "\n'
                        '        "Download actzoo-0.1.0-py3-none-any.whl from the course\'s site "\n'
                        '        "(page \'Hands-on practice\') into this notebook\'s folder, run "\n'
                        '        "this in a cell, then run the notebook again:\\n"\n'
                        "        '%pip install actzoo-0.1.0-py3-none-any.whl'\n"
                        '    )'
                    ),
                },
                {
                    'grade_id': 'setup',
                    'role': 'given',
                    'sha256': '6212a6d91ef1a1ed777c636945ea32d1baf1b96566fd0710e1d350a5745b629d',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'import math\n'
                        '\n'
                        'import numpy as np\n'
                        '\n'
                        'from actzoo_grader.checks import assert_close'
                    ),
                },
                {
                    'grade_id': 'zero_fraction',
                    'role': 'answer',
                    'sha256': '01380c7af6f3518b3cdb7258f301b5a742ac0c98c0d5d025811d3bb5a51f1dfc',
                },
                {
                    'grade_id': 'test_zero_fraction',
                    'role': 'test',
                    'sha256': '9d850a086968a5574c17e39e3594adef11056635687320e5b6b3642bc8feab84',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (a): the probability of a zero gradient\n'
                        'relu_grad = lambda z: (z > 0).astype(float)\n'
                        'frac = zero_gradient_fraction(relu_grad, 20_000, seed=1)\n'
                        'assert isinstance(frac, float), "return a Python float"\n'
                        'assert abs(frac - 0.5) < 0.02, f"ReLU: {frac} is far from one half"'
                    ),
                    'points': 2,
                    'title': 'Part (a): the probability of a zero gradient',
                    'answers': [
                        'zero_fraction',
                    ],
                },
                {
                    'grade_id': 'gd_step',
                    'role': 'answer',
                    'sha256': 'd60b126cffd18a4b795cb99ca22f8363c67a0802520d2a45fbe444064c4edfae',
                },
                {
                    'grade_id': 'test_gd_step',
                    'role': 'test',
                    'sha256': 'beb13dfa8b1ad3f918afb5400011d9322e9375a2cc9463e902ce2323a7066b2f',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (b): gradient descent on one unit\n'
                        'x = np.array([1.0, 2.0])\n'
                        'w, b = gd_step(np.array([0.5, 0.5]), 0.0, x, 1.0, 0.1, 0.0)\n'
                        '# z = 1.5, f(z) = 1.5, slope 1: w moves by -0.1 * 0.5 * x\n'
                        'assert_close(w, [0.45, 0.4], "w after one step", rtol=1e-12)\n'
                        'assert_close(b, -0.05, "b after one step", rtol=1e-12)\n'
                        'dead = train_unit(np.array([-0.5, -0.5]), -0.2, x, 1.0, 0.05, 0.0, 10)\n'
                        'assert np.all(dead == dead[0]), "a dead ReLU unit must not move at all"'
                    ),
                    'points': 3,
                    'title': 'Part (b): gradient descent on one unit',
                    'answers': [
                        'gd_step',
                    ],
                },
                {
                    'grade_id': 'min_alpha',
                    'role': 'answer',
                    'sha256': '0da9ef3b1fb5a9540890a086bbd15bdc008f19b51be8e3a806dec11aee9524ff',
                },
                {
                    'grade_id': 'test_min_alpha',
                    'role': 'test',
                    'sha256': '70a3e8e25ece767e5a33dc15905a2ddb17d85a55ca3987e33fb162a9fce96e8e',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (c): the smallest leak for a required update\n'
                        'x = np.array([1.0, 2.0])\n'
                        'alpha = min_alpha(-1.0, x, 1.0, 0.1, 0.6)\n'
                        '# c = 0.6 / (0.1 * 6) = 1, so alpha**2 + alpha - 1 = 0\n'
                        'assert_close(alpha, (math.sqrt(5.0) - 1.0) / 2.0, "min_alpha", rtol=1e-12)'
                    ),
                    'points': 3,
                    'title': 'Part (c): the smallest leak for a required update',
                    'answers': [
                        'min_alpha',
                    ],
                },
                {
                    'grade_id': 'dead_units',
                    'role': 'answer',
                    'sha256': 'e302f6e5663af040ad7c7743172582989e581c89d4154d189c4770cbee802094',
                },
                {
                    'grade_id': 'test_dead_units',
                    'role': 'test',
                    'sha256': '1a167fd62b2738cd98ab6448d2afa7e66b48f88b7cb3acd032de14cc926491c5',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (d): dead units of a layer\n'
                        'W = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])\n'
                        'b = np.array([0.0, -10.0, 0.0])\n'
                        'X = np.array([[1.0, 2.0], [3.0, 1.0]])\n'
                        'mask = dead_units(W, b, X)\n'
                        'assert mask.dtype == bool and mask.shape == (3,), "return a boolean mask"\n'
                        'assert mask.tolist() == [False, True, True], f"got {mask.tolist()}"'
                    ),
                    'points': 2,
                    'title': 'Part (d): dead units of a layer',
                    'answers': [
                        'dead_units',
                    ],
                },
            ],
        },
        'ex3_statistics': {
            'notebook': 'ex3_statistics.ipynb',
            'title': 'Exercise 3: activation statistics',
            'cells': [
                {
                    'grade_id': 'install',
                    'role': 'given',
                    'sha256': '7e31f6a718d9baa1c84ee1003ea5f39e40bcc49c97a2a6448a0a41ddfca35e8b',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '# The course package, installed only where this Python lacks it (Colab,\n'
                        "# a JupyterHub, a new environment). In the course's environment, and when\n"
                        '# the notebook is graded, this cell does nothing.\n'
                        'import importlib.util\n'
                        '\n'
                        'if (\n'
                        '    importlib.util.find_spec("actzoo") is None\n'
                        '    or importlib.util.find_spec("actzoo_grader") is None\n'
                        '):\n'
                        '    raise ModuleNotFoundError(\n'
                        '        "This notebook needs the course package actzoo. "\n'
                        '        "Download actzoo-0.1.0-py3-none-any.whl from the course\'s site "\n'
                        '        "(page \'Hands-on practice\') into this notebook\'s folder, run "\n'
                        '        "this in a cell, then run the notebook again:\\n"\n'
                        "        '%pip install actzoo-0.1.0-py3-none-any.whl'\n"
                        '    )'
                    ),
                },
                {
                    'grade_id': 'setup',
                    'role': 'given',
                    'sha256': '60554c384072762a51c559ecccba3ffb4411860a4e54e13ec6a7121bc5607b71',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'import math\n'
                        '\n'
                        'import numpy as np\n'
                        '\n'
                        'from actzoo_grader.checks import assert_close\n'
                        '\n'
                        '\n'
                        'def Phi(x):\n'
                        '    """Return the standard normal distribution function at a number x."""\n'
                        '    return 0.5 * math.erfc(-x / math.sqrt(2.0))'
                    ),
                },
                {
                    'grade_id': 'elu_mean',
                    'role': 'answer',
                    'sha256': '033a69c9098377070b005ebdb696c0bebc97f5399e449dcd08a0cbfb0eb15036',
                },
                {
                    'grade_id': 'test_elu_mean',
                    'role': 'test',
                    'sha256': '58574a31fd2522b31df28af25ed0ecf59439bb18e213e3fbf2d51055a10267e3',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (a): the mean of ELU under N(0, 1)\n'
                        'assert_close(elu_mean(0.0), 1.0 / math.sqrt(2.0 * math.pi),\n'
                        '             "elu_mean(0), which is ReLU\'s mean")\n'
                        'z = np.random.default_rng(0).standard_normal(400_000)\n'
                        'mc = np.mean(np.where(z > 0, z, np.expm1(np.minimum(z, 0))))\n'
                        '# Monte Carlo: the standard error is below 1.6e-3, allow 5 of them.\n'
                        'assert abs(elu_mean(1.0) - mc) < 8e-3, f"elu_mean(1) = {elu_mean(1.0)}, sampling '
                        'gives {mc}"'
                    ),
                    'points': 3,
                    'title': 'Part (a): the mean of ELU under N(0, 1)',
                    'answers': [
                        'elu_mean',
                    ],
                },
                {
                    'grade_id': 'zero_mean_alpha',
                    'role': 'answer',
                    'sha256': '8cc2d04902fcb3a3a82ebad151cd6540d4c0ad6ced89dd66924f970a313d979f',
                },
                {
                    'grade_id': 'test_zero_mean_alpha',
                    'role': 'test',
                    'sha256': '45ba1a2330ddadedbec3bfe97990e7113a52144b230cff99c5da544e12ba595c',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (b): the alpha that centres ELU\n'
                        'alpha0 = zero_mean_alpha()\n'
                        'assert 1.6 < alpha0 < 1.7, f"zero_mean_alpha() = {alpha0} is not near 1.67"'
                    ),
                    'points': 2,
                    'title': 'Part (b): the alpha that centres ELU',
                    'answers': [
                        'zero_mean_alpha',
                    ],
                },
                {
                    'grade_id': 'selu_constants',
                    'role': 'answer',
                    'sha256': 'cee32126f846ec93a8a9d84c9ddc691ef5f9647cac23d37c1c04be5f1c892c78',
                },
                {
                    'grade_id': 'test_selu_constants',
                    'role': 'test',
                    'sha256': 'd41fc420ade545c196999e403c3605e00fe1cbf5f13e484406a2f0382c300ccf',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        "# Part (c): SELU's constants from the fixed point\n"
                        'assert_close(elu_second_moment(0.0), 0.5, "elu_second_moment(0)")\n'
                        'alpha, scale = selu_constants()\n'
                        'assert 1.0 < scale < 1.1, f"scale = {scale} is not near 1.05"'
                    ),
                    'points': 3,
                    'title': "Part (c): SELU's constants from the fixed point",
                    'answers': [
                        'selu_constants',
                    ],
                },
                {
                    'grade_id': 'selu_values',
                    'role': 'given',
                    'sha256': '4096f6e6c232555c2626344953482c60f35e11d55512c583aa669ae2f7647a76',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'SELU_ALPHA = 1.6732632423543772848170429916717\n'
                        'SELU_SCALE = 1.0507009873554804934193349852946'
                    ),
                },
                {
                    'grade_id': 'alpha_dropout',
                    'role': 'answer',
                    'sha256': '3a3f689ae60db128f9cd64b02126085b99c84dc4a4bb5785b589fcafb2c966cb',
                },
                {
                    'grade_id': 'test_alpha_dropout',
                    'role': 'test',
                    'sha256': 'ed9d35937381805f43a1e817f7923a76b41dc2d1106be776e5edcda027a5f493',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (d): AlphaDropout keeps mean 0 and variance 1\n'
                        'x = np.random.default_rng(1).standard_normal(200_000)\n'
                        'y = alpha_dropout(x, 0.2, seed=2)\n'
                        'assert y.shape == x.shape, "keep the shape"\n'
                        'assert abs(y.mean()) < 0.02 and abs(y.var() - 1.0) < 0.03, (\n'
                        '    f"mean {y.mean():.4f} and variance {y.var():.4f} should be near 0 and 1")'
                    ),
                    'points': 3,
                    'title': 'Part (d): AlphaDropout keeps mean 0 and variance 1',
                    'answers': [
                        'alpha_dropout',
                    ],
                },
            ],
        },
        'ex4_gradient_flow': {
            'notebook': 'ex4_gradient_flow.ipynb',
            'title': 'Exercise 4: gradient flow through depth',
            'cells': [
                {
                    'grade_id': 'install',
                    'role': 'given',
                    'sha256': '7e31f6a718d9baa1c84ee1003ea5f39e40bcc49c97a2a6448a0a41ddfca35e8b',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '# The course package, installed only where this Python lacks it (Colab,\n'
                        "# a JupyterHub, a new environment). In the course's environment, and when\n"
                        '# the notebook is graded, this cell does nothing.\n'
                        'import importlib.util\n'
                        '\n'
                        'if (\n'
                        '    importlib.util.find_spec("actzoo") is None\n'
                        '    or importlib.util.find_spec("actzoo_grader") is None\n'
                        '):\n'
                        '    raise ModuleNotFoundError(\n'
                        '        "This notebook needs the course package actzoo. "\n'
                        '        "Download actzoo-0.1.0-py3-none-any.whl from the course\'s site "\n'
                        '        "(page \'Hands-on practice\') into this notebook\'s folder, run "\n'
                        '        "this in a cell, then run the notebook again:\\n"\n'
                        "        '%pip install actzoo-0.1.0-py3-none-any.whl'\n"
                        '    )'
                    ),
                },
                {
                    'grade_id': 'setup',
                    'role': 'given',
                    'sha256': 'c873a5ee943fe90d436287f47b912cb07748631b3f22b74fd24c6a121109c271',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'import math\n'
                        '\n'
                        'import numpy as np\n'
                        '\n'
                        'from actzoo_grader.checks import assert_close\n'
                        '\n'
                        '\n'
                        'def relu(z):\n'
                        '    """Return max(0, z) elementwise."""\n'
                        '    return np.maximum(np.asarray(z, dtype=float), 0.0)\n'
                        '\n'
                        '\n'
                        'def relu_grad(z):\n'
                        '    """Return ReLU\'s slope: 1 where z > 0, else 0 (0 at the kink)."""\n'
                        '    return (np.asarray(z, dtype=float) > 0).astype(float)\n'
                        '\n'
                        '\n'
                        'def elu(z, alpha=1.0):\n'
                        '    """Return z where z > 0, else alpha (e^z - 1)."""\n'
                        '    z = np.asarray(z, dtype=float)\n'
                        '    return np.maximum(z, 0.0) + alpha * np.expm1(np.minimum(z, 0.0))\n'
                        '\n'
                        '\n'
                        'def elu_grad(z, alpha=1.0):\n'
                        '    """Return ELU\'s slope: 1 where z > 0, else alpha e^z (alpha at the kink)."""\n'
                        '    z = np.asarray(z, dtype=float)\n'
                        '    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))'
                    ),
                },
                {
                    'grade_id': 'layer_jacobian',
                    'role': 'answer',
                    'sha256': '4336e2c31e9e274b6458dd870fbd71c1e25e94da6faefa99453c0f4721a00d91',
                },
                {
                    'grade_id': 'test_layer_jacobian',
                    'role': 'test',
                    'sha256': 'd532ffe36183d79f21f969a6a213fe591571bb41129d09d59a05d54cfe35f6e9',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (a): the Jacobian of one layer\n'
                        'W_next = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])\n'
                        'z = np.array([-1.0, 0.5, 2.0])\n'
                        'J = layer_jacobian(W_next, z, relu_grad)\n'
                        'assert_close(J, [[0.0, 0.0], [2.0, 5.0], [3.0, 6.0]], "layer_jacobian")'
                    ),
                    'points': 2,
                    'title': 'Part (a): the Jacobian of one layer',
                    'answers': [
                        'layer_jacobian',
                    ],
                },
                {
                    'grade_id': 'backprop_norms',
                    'role': 'answer',
                    'sha256': '5b86b237a325fc8dc5d0bf801a1518ef33fd1de2dc56daf594c5e6746a1f9970',
                },
                {
                    'grade_id': 'test_backprop_norms',
                    'role': 'test',
                    'sha256': '8adfa085807e6a420d83223ccc28fa4d39c022dd6f2eec1c35e7d2e8bf0d8939',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (b): backpropagated norms\n'
                        'J = np.diag([2.0, 2.0])\n'
                        'assert_close(backprop_norms([J, J, J], np.array([3.0, 4.0])),\n'
                        '             [5.0, 10.0, 20.0, 40.0], "backprop_norms with J = 2 I")'
                    ),
                    'points': 2,
                    'title': 'Part (b): backpropagated norms',
                    'answers': [
                        'backprop_norms',
                    ],
                },
                {
                    'grade_id': 'chain_gradient',
                    'role': 'answer',
                    'sha256': '36334f2cc0e3bbb574baa3c50a6b45ee93e7e5866f331fdaef4d675801f50e83',
                },
                {
                    'grade_id': 'test_chain_gradient',
                    'role': 'test',
                    'sha256': '5a0d631d23cdab2c8b253bf05ecb61706296750244793796e32427d8de7f0683',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (c): the scalar chain and the 3/4 example\n'
                        'g = chain_gradient(1.5, 0.0, 1.0, 5, relu, relu_grad)\n'
                        'assert_close(g, 1.5 ** np.arange(6), "chain_gradient for an active ReLU chain")'
                    ),
                    'points': 3,
                    'title': 'Part (c): the scalar chain and the 3/4 example',
                    'answers': [
                        'chain_gradient',
                    ],
                },
                {
                    'grade_id': 'gradient_norm_ratio',
                    'role': 'answer',
                    'sha256': 'c363f194a4e9366bdf69ee076747b853e30e758398f1713e48f7d6a656e2998b',
                },
                {
                    'grade_id': 'test_gradient_norm_ratio',
                    'role': 'test',
                    'sha256': 'bc67b2c33388766a0901bba5bffdeb2b189de10f15abea1f50bc2dd90a1c4489',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (d): initialisation decides between exploding and vanishing\n'
                        'r_small = gradient_norm_ratio(20, 128, 1.0, seed=3)\n'
                        'r_big = gradient_norm_ratio(20, 128, 2.0, seed=3)\n'
                        'assert r_small < 0.05 and r_big > 20, (\n'
                        '    f"gain 1 should make gradients vanish ({r_small}) and gain 2 explode ({r_big})")'
                    ),
                    'points': 3,
                    'title': 'Part (d): initialisation decides between exploding and vanishing',
                    'answers': [
                        'gradient_norm_ratio',
                    ],
                },
            ],
        },
        'ex5_landscapes': {
            'notebook': 'ex5_landscapes.ipynb',
            'title': 'Exercise 5: training runs and loss landscapes',
            'cells': [
                {
                    'grade_id': 'install',
                    'role': 'given',
                    'sha256': 'b3b0759a63ade5053a5a5977610e47239c527f79b28131e36f6da45a3d214d5b',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '# The course package, installed only where this Python lacks it (Colab,\n'
                        "# a JupyterHub, a new environment). In the course's environment, and when\n"
                        '# the notebook is graded, this cell does nothing.\n'
                        'import importlib.util\n'
                        '\n'
                        'if (\n'
                        '    importlib.util.find_spec("actzoo") is None\n'
                        '    or importlib.util.find_spec("actzoo_grader") is None\n'
                        '    or importlib.util.find_spec("torch") is None\n'
                        '):\n'
                        '    raise ModuleNotFoundError(\n'
                        '        "This notebook needs the course package actzoo (with PyTorch). "\n'
                        '        "Download actzoo-0.1.0-py3-none-any.whl from the course\'s site "\n'
                        '        "(page \'Hands-on practice\') into this notebook\'s folder, run "\n'
                        '        "this in a cell, then run the notebook again:\\n"\n'
                        '        \'%pip install "actzoo-0.1.0-py3-none-any.whl[torch]"\'\n'
                        "        ' --extra-index-url https://download.pytorch.org/whl/cpu'\n"
                        '    )'
                    ),
                },
                {
                    'grade_id': 'setup',
                    'role': 'given',
                    'sha256': '0c39dbc9316a9ef37bf8cb390e13cb3ed2d86ba385dffba9e56256ba7c7759ba',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'import numpy as np\n'
                        'import torch\n'
                        'from torch.func import functional_call\n'
                        '\n'
                        'from actzoo.datasets import two_moons\n'
                        'from actzoo.landscapes import random_direction, weights_of\n'
                        'from actzoo.models import MLP\n'
                        'from actzoo.training import train\n'
                        'from actzoo_grader.checks import assert_close\n'
                        '\n'
                        '# Small networks: one thread is fastest, and sums come out the same on\n'
                        '# every machine.\n'
                        'torch.set_num_threads(1)\n'
                        '\n'
                        '\n'
                        'def loss_of(model, weights, X, y):\n'
                        '    """Return the mean cross-entropy of `model` at `weights`, as a tensor.\n'
                        '\n'
                        '    The model is used as an architecture only: `weights` replaces its own\n'
                        '    parameters, and autograd can differentiate the result with respect to\n'
                        '    them.\n'
                        '    """\n'
                        '    X = torch.as_tensor(X, dtype=torch.float64)\n'
                        '    y = torch.as_tensor(y, dtype=torch.int64)\n'
                        '    logits = functional_call(model, dict(weights), (X,))\n'
                        '    return torch.nn.functional.cross_entropy(logits, y)\n'
                        '\n'
                        '\n'
                        '# The data and the network of parts (a) to (c).\n'
                        'X, y = two_moons(200, noise=0.1, seed=0)\n'
                        'SIZES, STEPS, LR = [2, 16, 16, 2], 200, 1e-2\n'
                        'net = MLP(SIZES, "relu", seed=0)\n'
                        'history = train(net, X, y, lr=LR, steps=STEPS, seed=0)\n'
                        'theta = history.state_dict\n'
                        'print(f"trained ReLU network: loss {history.final_loss:.4f}, "\n'
                        '      f"accuracy {history.final_accuracy:.3f}")'
                    ),
                },
                {
                    'grade_id': 'filter_normalize',
                    'role': 'answer',
                    'sha256': '153282933346408c6c737c9e11cfdf80fcf300abee25a20748fc7d10923dce2e',
                },
                {
                    'grade_id': 'test_filter_normalize',
                    'role': 'test',
                    'sha256': '48fdbf8d0b70283ea4588ae8f8dc739e991625850e45e5c7ac4397d1cd3ef3fd',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (a): filter-normalised directions\n'
                        'w = {"W": torch.tensor([[3.0, 4.0], [0.0, 1.0]], dtype=torch.float64),\n'
                        '     "b": torch.tensor([1.0, 2.0], dtype=torch.float64)}\n'
                        'd = {"W": torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64),\n'
                        '     "b": torch.tensor([5.0, 5.0], dtype=torch.float64)}\n'
                        'out = filter_normalize(d, w)\n'
                        'assert set(out) == {"W", "b"}, f"the keys should be W and b, got {set(out)}"\n'
                        'assert_close(out["W"].numpy(), [[5.0, 0.0], [0.0, 1.0]],\n'
                        '             "filter_normalize: the rescaled weight rows")\n'
                        'assert_close(out["b"].numpy(), [0.0, 0.0], "filter_normalize: the bias")\n'
                        'assert_close(d["W"].numpy(), [[1.0, 0.0], [0.0, 2.0]],\n'
                        '             "the direction you were given (it must not change)")'
                    ),
                    'points': 2,
                    'title': 'Part (a): filter-normalised directions',
                    'answers': [
                        'filter_normalize',
                    ],
                },
                {
                    'grade_id': 'slice_2d',
                    'role': 'answer',
                    'sha256': '741a4d996cd62a2769c5e40dcb3c3069866720ca5c6921b0c9c27f22c17d5bde',
                },
                {
                    'grade_id': 'test_slice_2d',
                    'role': 'test',
                    'sha256': '767f7e401942ec09015e3490f73aec6b9b500586f6cd451e3e5ea8481cabefa2',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (b): the 2-D slice\n'
                        'alphas, betas = np.array([-0.5, 0.0, 0.25]), np.array([0.0, 0.75])\n'
                        'Z = slice_2d(net, theta, d1, d2, alphas, betas, X, y)\n'
                        'assert np.shape(Z) == (2, 3), f"expected shape (2, 3), got {np.shape(Z)}"\n'
                        'assert_close(Z[0, 1], loss_of(net, theta, X, y).item(),\n'
                        '             "slice_2d at (alpha, beta) = (0, 0)", rtol=1e-10)\n'
                        'w_corner = {k: theta[k] - 0.5 * d1[k] + 0.75 * d2[k] for k in theta}\n'
                        'assert_close(Z[1, 0], loss_of(net, w_corner, X, y).item(),\n'
                        '             "slice_2d at (alpha, beta) = (-0.5, 0.75), entry [1, 0]",\n'
                        '             rtol=1e-10)'
                    ),
                    'points': 2,
                    'title': 'Part (b): the 2-D slice',
                    'answers': [
                        'slice_2d',
                    ],
                },
                {
                    'grade_id': 'top_eigenvalue',
                    'role': 'answer',
                    'sha256': '8811a06750369a351138e9a5f5cd3353d842cc71a74f1a55f4bfd30131ff3de3',
                },
                {
                    'grade_id': 'test_top_eigenvalue',
                    'role': 'test',
                    'sha256': 'f32df367d13e251278184ddbe8f1ce66230643773bcde00f0221fdebe0f7d66c',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (c): the top Hessian eigenvalue\n'
                        'from actzoo.sharpness import hessian\n'
                        'small = MLP([2, 3, 2], "elu", seed=1)\n'
                        'small_theta = train(small, X[:50], y[:50], lr=LR, steps=100).state_dict\n'
                        'H = hessian(small, small_theta, X[:50], y[:50])\n'
                        'eigs = np.linalg.eigvalsh(H)\n'
                        'expected = eigs[np.argmax(np.abs(eigs))]\n'
                        'got = top_eigenvalue(small, small_theta, X[:50], y[:50])\n'
                        'assert isinstance(got, float), f"return a Python float, got {type(got)}"\n'
                        'assert_close(got, expected, "top_eigenvalue of a 2-3-2 ELU network "\n'
                        '             "against numpy.linalg.eigvalsh of its Hessian", rtol=1e-4)'
                    ),
                    'points': 3,
                    'title': 'Part (c): the top Hessian eigenvalue',
                    'answers': [
                        'top_eigenvalue',
                    ],
                },
                {
                    'grade_id': 'compare_activations',
                    'role': 'answer',
                    'sha256': '8980d787074bddcdc76ec0721b9c80a79b5ebd4abe3f00f34d1577769a4fec72',
                },
                {
                    'grade_id': 'test_compare_activations',
                    'role': 'test',
                    'sha256': 'd7c7b0c8ffd85f6c19e69afffd10debae95e4a3b615f09b3246f5f10e594da4a',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (d): the training comparison\n'
                        'assert set(results) == set(names), (\n'
                        '    f"compare_activations should return one entry per name, got {set(results)}")\n'
                        'for name in names:\n'
                        '    run = results[name]["history"]\n'
                        '    assert len(run.loss) == STEPS, (\n'
                        '        f"{name}: train for STEPS = {STEPS} steps, got {len(run.loss)}")\n'
                        '    assert isinstance(results[name]["sharpness"], float), (\n'
                        '        f"{name}: the sharpness should be a float")\n'
                        'assert MOST_DEAD in names and SHARPEST in names, (\n'
                        '    "MOST_DEAD and SHARPEST must be names from the list")'
                    ),
                    'points': 3,
                    'title': 'Part (d): the training comparison',
                    'answers': [
                        'compare_activations',
                    ],
                },
            ],
        },
        'ex6_applications': {
            'notebook': 'ex6_applications.ipynb',
            'title': 'Exercise 6: applications',
            'cells': [
                {
                    'grade_id': 'install',
                    'role': 'given',
                    'sha256': '7e31f6a718d9baa1c84ee1003ea5f39e40bcc49c97a2a6448a0a41ddfca35e8b',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        '# The course package, installed only where this Python lacks it (Colab,\n'
                        "# a JupyterHub, a new environment). In the course's environment, and when\n"
                        '# the notebook is graded, this cell does nothing.\n'
                        'import importlib.util\n'
                        '\n'
                        'if (\n'
                        '    importlib.util.find_spec("actzoo") is None\n'
                        '    or importlib.util.find_spec("actzoo_grader") is None\n'
                        '):\n'
                        '    raise ModuleNotFoundError(\n'
                        '        "This notebook needs the course package actzoo. "\n'
                        '        "Download actzoo-0.1.0-py3-none-any.whl from the course\'s site "\n'
                        '        "(page \'Hands-on practice\') into this notebook\'s folder, run "\n'
                        '        "this in a cell, then run the notebook again:\\n"\n'
                        "        '%pip install actzoo-0.1.0-py3-none-any.whl'\n"
                        '    )'
                    ),
                },
                {
                    'grade_id': 'setup',
                    'role': 'given',
                    'sha256': 'c57a9769a781f64b24b16d0c9ea83e7556667cfb9b91b751837a3cc3d9b1f6e1',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'import math\n'
                        '\n'
                        'import numpy as np\n'
                        '\n'
                        'from actzoo_grader.checks import assert_close\n'
                        '\n'
                        '_erfc = np.frompyfunc(math.erfc, 1, 1)\n'
                        '\n'
                        '\n'
                        'def Phi(x):\n'
                        '    """Return the standard normal distribution function, elementwise."""\n'
                        '    x = np.asarray(x, dtype=float)\n'
                        '    return np.asarray(_erfc(-x / math.sqrt(2.0)), dtype=float) / 2\n'
                        '\n'
                        '\n'
                        'def phi(x):\n'
                        '    """Return the standard normal density, elementwise."""\n'
                        '    x = np.asarray(x, dtype=float)\n'
                        '    return np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)\n'
                        '\n'
                        '\n'
                        'def relu(x):\n'
                        '    """Return max(0, x) elementwise."""\n'
                        '    return np.maximum(np.asarray(x, dtype=float), 0.0)'
                    ),
                },
                {
                    'grade_id': 'replicate',
                    'role': 'answer',
                    'sha256': '3c02d21000d596622435b4f4037883ef866a7974ae614ce154971e23e39522df',
                },
                {
                    'grade_id': 'test_replicate',
                    'role': 'test',
                    'sha256': 'f54dd23d7c094c7ce0ec72991c33784bbe91926b13d5f8e455e9e2e84a187705',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (a): replicating a payoff with calls\n'
                        '# A butterfly: 0 outside [90, 110], a tent of height 10 at 100.\n'
                        'cash, shares, q = replicate([90.0, 100.0, 110.0], [0.0, 10.0, 0.0], 0.0, 0.0)\n'
                        'assert_close(q, [1.0, -2.0, 1.0], "the butterfly\'s call quantities")\n'
                        'assert_close([cash, shares], [0.0, 0.0], "the butterfly\'s cash and shares")\n'
                        'S = np.array([80.0, 95.0, 100.0, 120.0])\n'
                        'assert_close(portfolio_value(S, cash, shares, [90.0, 100.0, 110.0], q),\n'
                        '             [0.0, 5.0, 10.0, 0.0], "the butterfly\'s value", S)'
                    ),
                    'points': 3,
                    'title': 'Part (a): replicating a payoff with calls',
                    'answers': [
                        'replicate',
                    ],
                },
                {
                    'grade_id': 'bachelier',
                    'role': 'answer',
                    'sha256': 'e04e4b501300dfaed1ccc98e6f7a7a224a9aa684a5c213bcbb47e0b6d9201423',
                },
                {
                    'grade_id': 'test_bachelier',
                    'role': 'test',
                    'sha256': 'd5b87e34b7a1f2a6cde5c98cbef6d570218b5d82c8e613828e03851843c032b9',
                    'cell_type': 'code',
                    'flags': [True, False, True, 2, False],
                    'source': (
                        '# Part (b): the Bachelier call price\n'
                        'assert_close(bachelier_call(100.0, 100.0, 5.0), 5.0 / math.sqrt(2.0 * math.pi),\n'
                        '             "the at-the-money price sigma / sqrt(2 pi)")'
                    ),
                    'points': 2,
                    'title': 'Part (b): the Bachelier call price',
                    'answers': [
                        'bachelier',
                    ],
                },
                {
                    'grade_id': 'interval_bounds',
                    'role': 'answer',
                    'sha256': '679ac56e98d2a022b2ffdf0d1b174d9f65bb8e82ab7044065fd5c4142ffef55b',
                },
                {
                    'grade_id': 'test_interval_bounds',
                    'role': 'test',
                    'sha256': '362a3b119b7aaca3e123fbd77fd94508e77a22100b7cf3e425c6800dfb0dd887',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (c): interval bounds of a ReLU network\n'
                        'W1 = np.array([[1.0, -1.0], [1.0, 1.0]])\n'
                        'b1 = np.array([0.0, -1.0])\n'
                        'W2 = np.array([[1.0, -2.0]])\n'
                        'b2 = np.array([0.5])\n'
                        'low, high = interval_bounds([W1, W2], [b1, b2], [-1.0, -1.0], [1.0, 1.0])\n'
                        '# Hidden boxes: [-2, 2] -> [0, 2] and [-3, 1] -> [0, 1].\n'
                        'assert_close(low, [-1.5], "the lower bound")\n'
                        'assert_close(high, [2.5], "the upper bound")'
                    ),
                    'points': 3,
                    'title': 'Part (c): interval bounds of a ReLU network',
                    'answers': [
                        'interval_bounds',
                    ],
                },
                {
                    'grade_id': 'activations',
                    'role': 'given',
                    'sha256': 'f84705926eff1b2165ebd4d8db1cc0c9b6662668891a2eafd52ebf341fbcedff',
                    'cell_type': 'code',
                    'flags': [False, False, True, None, False],
                    'source': (
                        'def softplus(z):\n'
                        '    """Return ln(1 + e^z) elementwise, without overflow."""\n'
                        '    z = np.asarray(z, dtype=float)\n'
                        '    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))\n'
                        '\n'
                        '\n'
                        'def softplus_grad2(z):\n'
                        '    """Return the second derivative of softplus: s (1 - s), s the logistic."""\n'
                        '    s = np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))\n'
                        '    return s * (1.0 - s)\n'
                        '\n'
                        '\n'
                        'def relu_grad2(z):\n'
                        '    """Return the second derivative of ReLU: 0 everywhere (0 at the kink)."""\n'
                        '    return np.zeros_like(np.asarray(z, dtype=float))\n'
                        '\n'
                        '\n'
                        'def tanh_grad2(z):\n'
                        '    """Return the second derivative of tanh: -2 tanh(z) (1 - tanh(z)**2)."""\n'
                        '    t = np.tanh(z)\n'
                        '    return -2.0 * t * (1.0 - t * t)\n'
                        '\n'
                        '\n'
                        'ACTIVATIONS = {"tanh": (np.tanh, tanh_grad2),\n'
                        '               "softplus": (softplus, softplus_grad2),\n'
                        '               "relu": (relu, relu_grad2)}'
                    ),
                },
                {
                    'grade_id': 'pinn',
                    'role': 'answer',
                    'sha256': '09b7c087ec5d2aaf690bcfdc3d0865085cd675ccb205f2f59f9b8a8ddcc72b99',
                },
                {
                    'grade_id': 'test_pinn',
                    'role': 'test',
                    'sha256': 'c3fcd0390c56d1754dd219494f7281bfc0d2469ffe9197ef222e061932d504ca',
                    'cell_type': 'code',
                    'flags': [True, False, True, 3, False],
                    'source': (
                        '# Part (d): a physics-informed fit, and why ReLU cannot do it\n'
                        'M = second_derivative_matrix(np.array([2.0]), np.array([0.0]),\n'
                        '                             np.array([0.0, 1.0]), tanh_grad2)\n'
                        'assert_close(M, [[0.0], [4.0 * tanh_grad2(2.0)]], "second_derivative_matrix")'
                    ),
                    'points': 3,
                    'title': 'Part (d): a physics-informed fit, and why ReLU cannot do it',
                    'answers': [
                        'pinn',
                    ],
                },
            ],
        },
    },
}
