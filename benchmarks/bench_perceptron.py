"""Epoch time of the multi-class perceptron on the MNIST training images.

The peer is the same mistake-driven rule written the plain way,
``course.perceptron.perceptron_updates``: a Python loop over the rows that scores
each image with one matrix-vector product and, on a mistake, adds the image to the
row of the true class and subtracts it from the row of the predicted one
(scikit-learn, whose ``Perceptron`` would be the natural peer, is not a dependency).
Both start from zero weights, run ``N_EPOCHS`` epochs in the order of the files in
float32 and make the same updates, so they report the same numbers of mistakes. The
time per epoch is the time of the whole run divided by ``N_EPOCHS``; both include
input validation and building the bias-augmented copy of the data once per run.

Runs of the two alternate, so that a change in the load of the machine hits both;
the medians and the ratio loop/course are printed (goal: >= 1). The MNIST files are
found through ``COURSE_DATA_DIR`` (see ``course.data.load_mnist``). Run with
``make bench`` or ``python -m benchmarks perceptron``.
"""

from __future__ import annotations

import numpy as np

from benchmarks.timing import measure, median, percentile
from course.data import load_mnist
from course.perceptron import MulticlassPerceptron, perceptron_updates

REPEATS = 3
N_EPOCHS = 5
N_CLASSES = 10


def per_sample_training(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """``N_EPOCHS`` epochs of the multi-class perceptron rule, one row at a time.

    Returns the final weights (without the biases) and the mistakes per epoch.
    """
    theta = None
    epochs = []
    for update in perceptron_updates(
        X, y, n_epochs=N_EPOCHS, multiclass=True, n_classes=N_CLASSES
    ):
        theta = update.theta
        epochs.append(update.epoch)
    mistakes_per_epoch = np.bincount(epochs, minlength=N_EPOCHS + 1)[1:]
    return theta[:, :-1], mistakes_per_epoch.tolist()


def main() -> None:
    data = load_mnist()
    X, y = data.X_train, data.y_train
    print(
        f"multi-class perceptron, {N_EPOCHS} epochs over {X.shape[0]} MNIST images "
        f"({X.dtype}), from zero weights; time per epoch, median of {REPEATS} runs "
        "each, alternating, after one warm-up run"
    )
    results: dict[str, object] = {}

    def course_run() -> None:
        results["course"] = MulticlassPerceptron(n_epochs=N_EPOCHS).fit(X, y)

    def loop_run() -> None:
        results["loop"] = per_sample_training(X, y)

    runs = {"course": course_run, "loop": loop_run}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():
        fn()
    for _ in range(REPEATS):
        for name, fn in runs.items():
            times[name] += [t / N_EPOCHS for t in measure(fn, repeats=1, warmup=0)]

    model = results["course"]
    W_loop, loop_mistakes = results["loop"]
    mistakes = {"course": model.mistakes_per_epoch_, "loop": loop_mistakes}
    for name, t in times.items():
        print(
            f"  {name:6s} median {median(t):.3f} s/epoch (p10 {percentile(t, 10):.3f}, "
            f"p90 {percentile(t, 90):.3f}); mistakes per epoch {mistakes[name]}"
        )
    agree = np.allclose(model.coef_, W_loop, atol=1e-2)
    print(f"  same weights at the end: {agree}")
    ratio = median(times["loop"]) / median(times["course"])
    verdict = "ok" if ratio >= 1.0 else "SLOWER than the per-sample loop"
    print(f"  ratio loop/course {ratio:.2f} (goal >= 1.0): {verdict}")


if __name__ == "__main__":
    main()
