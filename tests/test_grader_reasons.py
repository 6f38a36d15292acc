"""Tests for grader.reasons: one vocabulary, the same in code and in the README."""

import json
import re
from pathlib import Path

import pytest

from grader.reasons import Reason

README = Path(__file__).resolve().parents[1] / "README.md"


def test_reasons_are_their_names_as_strings():
    assert Reason.OK == "OK" and str(Reason.DISK) == "DISK"
    assert Reason("WRONG") is Reason.WRONG
    assert json.dumps([Reason.TIMEOUT]) == '["TIMEOUT"]'


@pytest.mark.parametrize("reason", list(Reason), ids=str)
def test_every_reason_has_a_label_and_says_whether_it_is_a_failure(reason):
    assert reason.label and reason.label != reason.value
    assert isinstance(reason.failure, bool)
    assert reason.failure == (reason not in _NOT_FAILURES)


_NOT_FAILURES = {
    Reason.OK,
    Reason.MANUAL,
    Reason.NEEDS_GRADING,
    Reason.NBGRADER,
    Reason.NO_SUBMISSION,
}


def test_unknown_names_keep_their_name_as_label():
    assert Reason.label_of("MEMORY") == "ran out of memory"
    assert Reason.label_of("SOMETHING_ELSE") == "SOMETHING_ELSE"


def test_the_readme_table_lists_every_reason_with_its_label():
    rows = re.findall(
        r"^\| `([A-Z_]+)` \| ([^|]+) \| (yes|no) \|", README.read_text(), re.M
    )
    table = {name: (label.strip(), flag == "yes") for name, label, flag in rows}
    assert table == {r.value: (r.label, r.failure) for r in Reason}
