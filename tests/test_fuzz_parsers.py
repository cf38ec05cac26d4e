"""Every parser of outside input, fuzzed briefly: any bytes give a result or our own error.

Inputs are Hypothesis's own bytes and mutations of valid seeds (tests/fuzzing.py).
bench/fuzz.py runs the same targets for a fixed time.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import Target, mutate, run_one, targets

NAMES = [t.name for t in targets()]


def _target(name: str) -> Target:
    return next(t for t in targets() if t.name == name)


@pytest.mark.parametrize("name", NAMES)
def test_every_seed_is_accepted_as_it_stands(name: str) -> None:
    target = _target(name)
    for seed in target.seeds:
        target.run(seed)  # a valid seed must parse: otherwise the mutations test little


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_mutations_of_valid_input_give_a_result_or_our_own_error(name: str, seed: int) -> None:
    target = _target(name)
    rng = random.Random(seed)
    run_one(target, mutate(rng.choice(target.seeds), rng))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_give_a_result_or_our_own_error(name: str, data: bytes) -> None:
    run_one(_target(name), data)
