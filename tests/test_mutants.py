"""The hidden cases against mutants of the solutions (``benchmarks.mutants``).

One run of every mutant of every problem set (mutmut's mutants of the reference
solutions, through the tool's pool of two workers) is shared by the tests of this
module: the first xdist worker to need it runs it, under a file lock in the session's
temporary folder, and the others read its result (the group ``mutants`` keeps the
tests on one worker where ``--dist loadgroup`` groups them). Per graded part:

- the grader is never more lenient than plain nbgrader: every mutant that a public
  assertion of the test cell kills, the hidden cases kill too;
- no mutant survives the hidden cases unless ``benchmarks/mutants_equivalent.toml``
  lists it as equivalent (and the run checks that every listed one exists and
  survives every test).
"""

from __future__ import annotations

import dataclasses
import fcntl
import pickle

import pytest

from benchmarks import mutants

pytestmark = pytest.mark.xdist_group("mutants")

PARTS = [
    (target.problem_set, target.grade_id)
    for problem_set in mutants.problem_set_names()
    for target in mutants.targets(problem_set)
]


@pytest.fixture(scope="module")
def run(tmp_path_factory, worker_id) -> mutants.Run:
    """The run of every mutant, once per test session."""
    if worker_id == "master":  # not under xdist
        return mutants.run(jobs=2)
    shared = tmp_path_factory.getbasetemp().parent  # the same for every worker
    saved = shared / "mutants-run.pickle"
    with open(shared / "mutants-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if saved.is_file():
            return pickle.loads(saved.read_bytes())
        result = mutants.run(jobs=2)
        saved.write_bytes(pickle.dumps(result))
        return result


def _listed(results: list[mutants.Result]) -> str:
    return "\n".join(
        f"  {r.mutant.diff()}  (hidden: {r.outcome.hidden}; public: "
        f"{r.outcome.public}, {r.outcome.public_detail or 'passes'})"
        for r in results
    )


def test_every_problem_set_and_part_is_mutated(run):
    assert run.problem_sets == ["ps1", "ps2", "ps3", "ps4", "ps5"]
    assert {(r.mutant.problem_set, r.mutant.grade_id) for r in run.results} == set(
        PARTS
    )


def test_the_run_is_sound(run):
    """The solutions pass both phases; every equivalent entry is current and holds."""
    assert run.errors == []


@pytest.mark.parametrize(("problem_set", "grade_id"), PARTS)
def test_the_hidden_cases_kill_every_mutant_a_public_assertion_kills(
    run, problem_set, grade_id
):
    results = run.of(problem_set, grade_id)
    assert results, f"no mutant of {problem_set} {grade_id}"
    lenient = [
        r for r in results if r.outcome.public_killed and not r.outcome.hidden_killed
    ]
    assert not lenient, (
        f"{problem_set} {grade_id}: public assertions kill mutants that the hidden "
        f"cases let through:\n{_listed(lenient)}"
    )


@pytest.mark.parametrize(("problem_set", "grade_id"), PARTS)
def test_no_mutant_survives_the_hidden_cases(run, problem_set, grade_id):
    survivors = [r for r in run.of(problem_set, grade_id) if r.status == "survived"]
    assert not survivors, (
        f"{problem_set} {grade_id}: mutants that pass every hidden case (add a case "
        f"that tells them apart, or list a truly equivalent one in "
        f"{mutants.EQUIVALENT_FILE.name} with the reason):\n{_listed(survivors)}"
    )


# ----------------------------------------------------------------------------------
# The tool itself
# ----------------------------------------------------------------------------------


def _target(problem_set: str, function: str) -> mutants.Target:
    return next(t for t in mutants.targets(problem_set) if t.function == function)


def test_keys_do_not_depend_on_where_the_line_is():
    target = _target("ps1", "train_perceptron")  # two lines hold "break"
    moved = dataclasses.replace(
        target,
        code="# a note\n\n" + target.code,
        solution_lines=frozenset(n + 2 for n in target.solution_lines),
    )
    keys = [m.key for m in mutants.generate(target)]
    assert len(keys) > 20 and len(set(keys)) == len(keys)
    assert [m.key for m in mutants.generate(moved)] == keys
    breaks = [m for m in mutants.generate(target) if m.line == "break"]
    assert [m.occurrence for m in breaks] == [0, 1]  # the same change, twice


def test_the_equivalent_file_is_checked(run):
    results = [mutants.Result(r.mutant, r.outcome) for r in run.results]
    killed = next(r for r in results if r.outcome.hidden_killed)
    survivor = next(
        r
        for r in results
        if not r.outcome.hidden_killed and not r.outcome.public_killed
    )

    def entry(result, **changes):
        m = result.mutant
        fields = dict(
            problem_set=m.problem_set,
            function=m.function,
            line=m.line,
            mutated=m.mutated,
            occurrence=m.occurrence,
            reason="a reason",
        )
        return mutants.Equivalent(**{**fields, **changes})

    errors = mutants.mark_equivalents(
        results,
        [
            entry(survivor),
            entry(survivor),
            entry(killed),
            entry(survivor, occurrence=survivor.mutant.occurrence + 5),
            entry(survivor, problem_set="ps9"),  # not in this run: not checked
        ],
        run.problem_sets,
    )
    assert [e.rsplit(": ", 1)[-1] for e in errors] == [
        "listed twice",
        "listed as equivalent, but the hidden cases kill it",
        "matches no mutant (a stale entry)",
    ]
    assert survivor.status == "equivalent"
    assert killed.status == "killed"


def test_an_endless_loop_is_stopped_and_counted_as_killed():
    target = _target("ps1", "predict")
    solution = mutants.generate(target)[0]
    endless = dataclasses.replace(
        solution,
        number=1,
        source="def predict(X, w, b):\n    while True:\n        pass\n",
    )
    outcomes = mutants.run_tasks(
        [mutants.Task(target, endless, 0.5), mutants.Task(target, solution, 5.0)],
        jobs=1,
    )
    assert [(o.hidden, o.public) for o in outcomes] == [
        (mutants.TIMEOUT, mutants.NOT_RUN),
        (mutants.SURVIVED, mutants.SURVIVED),
    ]
    assert outcomes[0].hidden_killed and not outcomes[1].hidden_killed
