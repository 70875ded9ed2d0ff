"""`bank add`: a team's own pickled function gets a searched, verified minimum with a confidence."""

import pickle

import numpy as np
import pytest

from harness.bank.add import add_objective, parse_bounds
from harness.bank.store import load_bank
from harness.errors import BankError

from .conftest import PRACTICE


def _their_pickle(tmp_path, obj, name="theirs.pkl"):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(obj))
    return path


def test_add_finds_the_minimum_of_a_pickled_objective(tmp_path):
    theirs = load_bank(PRACTICE).objective("rosenbrock_2d")
    path = _their_pickle(tmp_path, theirs)
    message = add_objective(path, tmp_path / "bank", dim=2, bounds="-5,5", name=None, seed=0, progress=lambda _: None)
    assert "added theirs" in message and "confidence" in message
    bank = load_bank(tmp_path / "bank")
    entry = bank.entry("theirs")
    assert entry.f_star - theirs.f_star < 1e-8
    assert np.allclose(entry.x_star, theirs.x_star, atol=1e-3)
    assert entry.verification["confidence"]["level"] in ("high", "medium")
    obj = bank.objective("theirs")
    assert obj.value(np.array(entry.x_star)) == entry.f_star
    with pytest.raises(BankError, match="already has an objective 'theirs'"):
        add_objective(path, tmp_path / "bank", dim=2, bounds="-5,5", name=None, seed=0, progress=lambda _: None)


def test_add_refuses_what_does_not_load_or_is_not_finite(tmp_path):
    opts = dict(bank_dir=tmp_path / "bank", dim=1, bounds="0,1", name=None, seed=0, progress=lambda _: None)
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(BankError, match=r"junk\.pkl: will not unpickle"):
        add_objective(junk, **opts)
    with pytest.raises(BankError, match="not a callable"):
        add_objective(_their_pickle(tmp_path, {"a": 1}), **opts)
    with pytest.raises(BankError, match="return a finite float"):
        add_objective(_their_pickle(tmp_path, np.log), **opts)
    assert not (tmp_path / "bank").exists()


@pytest.mark.parametrize("text", ["", "1", "2,1", "a,b", "0,1;0,1;0,1"])
def test_bad_bounds(text):
    with pytest.raises(BankError, match="--bounds"):
        parse_bounds(text, 2)


def test_bounds_forms():
    assert parse_bounds("-1,1", 2) == ((-1.0, 1.0), (-1.0, 1.0))
    assert parse_bounds("0,1; 2,3", 2) == ((0.0, 1.0), (2.0, 3.0))


def text_not_number(x):
    return "1.0"


def constant(x):
    return 3.0


def test_add_refuses_text_returns_and_constant_functions(tmp_path):
    opts = dict(bank_dir=tmp_path / "bank", dim=2, bounds="0,1", name=None, seed=0, progress=lambda _: None)
    with pytest.raises(BankError, match="returned str '1.0', not a number"):
        add_objective(_their_pickle(tmp_path, text_not_number), **opts)
    with pytest.raises(BankError, match="constant over the box"):
        add_objective(_their_pickle(tmp_path, constant), **opts)
    assert not (tmp_path / "bank").exists()
