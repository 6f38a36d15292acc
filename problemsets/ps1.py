"""ps1, the perceptron: hidden cases for the source notebook ``solutions/ps1``.

Graded functions: ``predict`` and ``update`` (one binary perceptron), the training
loop ``train_perceptron`` (stops on convergence, reports cycling), the multi-class
``predict_multiclass`` and ``train_multiclass``, ``split_train_val`` (the 80/20
split used on MNIST) and ``accuracy``.

Every input of the perceptron cases holds small integers (as floats), so that every
score is computed exactly whatever the order of the additions: a student's loop and
the course's blocked implementation then take the same decisions, also on the
scores that are exactly 0.

The release promises labels and epoch counts of int and flags of bool, so the
predictions and the training loops are compared with ``same_kind=True``: a bool or
float array of labels, or a flag returned as 0 or 1, has the right values but not
the promised type.
"""

from __future__ import annotations

import numpy as np

from course.data import train_val_split
from course.losses import zero_one_loss
from course.perceptron import MulticlassPerceptron, Perceptron
from grader.cases import Case, Part, allclose, array_equal, scalar_close

# ----------------------------------------------------------------------------------
# The course's models, evaluated at given weights or trained on given data
# ----------------------------------------------------------------------------------


def _binary_model(w, b) -> Perceptron:
    """A course Perceptron holding the weights ``w`` and the bias ``b``."""
    model = Perceptron()
    model.coef_ = np.asarray(w, dtype=np.float64)
    model.intercept_ = float(b)
    model.classes_ = np.array([0, 1])
    model.n_features_in_ = model.coef_.shape[0]
    return model


def _multiclass_model(W, b) -> MulticlassPerceptron:
    """A course MulticlassPerceptron holding the weights ``W`` and biases ``b``."""
    model = MulticlassPerceptron(n_classes=len(b))
    model.coef_ = np.asarray(W, dtype=np.float64)
    model.intercept_ = np.asarray(b, dtype=np.float64)
    model.n_classes_ = len(b)
    model.n_features_in_ = model.coef_.shape[1]
    return model


def _predict(X, w, b):
    return _binary_model(w, b).predict(X)


def _update(w, b, x, y, lr):
    """One step of the rule: ``theta += lr * (y - y_hat) * (x, 1)``."""
    error = y - _binary_model(w, b).predict(x[None, :])[0]
    return w + lr * error * x, b + lr * error


def _train_perceptron(X, y, lr, max_epochs):
    model = Perceptron(lr=lr, n_epochs=max_epochs).fit(X, y)
    return (
        model.coef_,
        model.intercept_,
        model.n_epochs_,
        model.converged_,
        model.cycling_,
    )


def _predict_multiclass(X, W, b):
    return _multiclass_model(W, b).predict(X)


def _train_multiclass(X, y, n_classes, lr, max_epochs):
    model = MulticlassPerceptron(lr=lr, n_epochs=max_epochs, n_classes=n_classes)
    model.fit(X, y)
    return model.coef_, model.intercept_, model.n_epochs_


def _split(X, y, val_fraction, seed):
    return train_val_split(X, y, val_fraction, seed=seed)


def _accuracy(y, y_hat):
    return 1.0 - zero_one_loss(y, y_hat)


# ----------------------------------------------------------------------------------
# Hidden inputs
# ----------------------------------------------------------------------------------


def _ints(rng, shape, low=-3, high=3) -> np.ndarray:
    return rng.integers(low, high + 1, size=shape).astype(np.float64)


def _weights(rng, d) -> np.ndarray:
    w = _ints(rng, d)
    w[0] = w[0] or 1.0  # never the zero vector
    return w


def _separable(rng, n, d, min_epochs=4):
    """``n`` integer points, labelled by a random hyperplane (no point on it).

    Drawn again until the perceptron needs at least ``min_epochs`` epochs, so that
    the training loop is exercised.
    """
    while True:
        w, b = _weights(rng, d), float(rng.integers(-2, 3))
        X = _ints(rng, (4 * n, d))
        scores = X @ w + b
        X, scores = X[scores != 0][:n], scores[scores != 0][:n]
        y = (scores > 0).astype(np.int64)
        if len(y) == n and 0 < y.sum() < n:
            if Perceptron().fit(X, y).n_epochs_ >= min_epochs:
                return X, y


def _separable_classes(rng, n, d, n_classes, margin=1.0, min_epochs=4):
    """``n`` integer points labelled by the argmax of random class scores.

    The best score beats the second best by at least ``margin``; drawn again until
    the multi-class perceptron needs at least ``min_epochs`` epochs.
    """
    while True:
        W = _ints(rng, (n_classes, d))
        X = _ints(rng, (8 * n, d))
        scores = np.sort(X @ W.T, axis=1)
        X = X[scores[:, -1] - scores[:, -2] >= margin][:n]
        y = np.argmax(X @ W.T, axis=1)
        if len(y) == n and len(np.unique(y)) == n_classes:
            model = MulticlassPerceptron(n_classes=n_classes).fit(X, y)
            if model.n_epochs_ >= min_epochs:
                return X, y


def _points(rng):
    return _ints(rng, (12, 3)), _weights(rng, 3), float(rng.integers(-2, 3))


def _zero_scores(rng):
    X = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 2.0], [-1.0, 3.0], [3.0, -3.0]])
    return X, np.array([1.0, -1.0]), 0.0


def _one_point(rng):
    return _ints(rng, (1, 4)), _weights(rng, 4), float(rng.integers(-2, 3))


def _bias_only(rng):
    X = _ints(rng, (6, 2))
    X[:, 1] = X[:, 0]  # every score w . x is 0
    return X, np.array([1.0, -1.0]), float(rng.choice([-1.0, 1.0]))


def _mistake(rng, label):
    w, x = _weights(rng, 3), _ints(rng, 3)
    score = x @ w
    while score == 0:
        x = _ints(rng, 3)
        score = x @ w
    sign = 1.0 if label == 0 else -1.0  # make the prediction wrong
    b = sign * (abs(score) + 1.0) - score
    return w, b, x, label, 1.0


def _missed_positive(rng):
    return _mistake(rng, 1)


def _false_positive(rng):
    return _mistake(rng, 0)


def _right(rng):
    w, b, x, label, lr = _mistake(rng, 1)
    return w, b, x, 0, lr  # the prediction 0 is now right


def _zero_score_label_zero(rng):
    return np.array([1.0, -1.0, 2.0]), -1.0, np.array([1.0, 2.0, 1.0]), 0, 1.0


def _half_lr(rng):
    w, b, x, label, _ = _mistake(rng, 1)
    return w, b, x, label, 0.5


def _both_labels(rng):
    """Points listed twice, label 0 then 1: each pair brings the parameters back to
    the starting zeros (a false positive, then a missed positive)."""
    points = np.stack([_weights(rng, 3) for _ in range(3)])
    return np.repeat(points, 2, axis=0), np.tile([0, 1], 3), 1.0, 100


def _separable_training(rng):
    X, y = _separable(rng, 40, 3)
    return X, y, 1.0, 100


def _separable_lr(rng):
    X, y = _separable(rng, 30, 4)
    return X, y, 0.5, 100


def _xor(rng):
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = np.vstack([corners, corners + [2.0, 0.0]])
    y = np.array([0, 1, 1, 0, 0, 1, 1, 0])
    return X, y, 1.0, 100


def _budget(rng):
    X, y = _separable(rng, 60, 5, min_epochs=6)
    return X, y, 1.0, 3


def _one_feature(rng):
    x = rng.permutation(np.arange(-5.0, 6.0))
    x = x[x != 0]
    return x[:, None], (x > 0).astype(np.int64), 2.0, 100


def _class_points(rng):
    return _ints(rng, (10, 4)), _ints(rng, (3, 4)), _ints(rng, 3)


def _ties(rng):
    X = _ints(rng, (5, 3))
    W = np.zeros((4, 3))
    W[1:3] = _ints(rng, 3)  # classes 1 and 2 always tie
    return X, W, np.zeros(4)


def _one_class_point(rng):
    return _ints(rng, (1, 5)), _ints(rng, (3, 5)), _ints(rng, 3)


def _square(rng):
    return _ints(rng, (6, 10)), _ints(rng, (10, 10)), _ints(rng, 10)


def _blobs(rng):
    X, y = _separable_classes(rng, 24, 3, 3)
    return X, y, 3, 1.0, 100


def _ten_classes(rng):
    X, y = _separable_classes(rng, 60, 12, 10, margin=4.0)
    return X, y, 10, 1.0, 100


def _absent_class(rng):
    X, y = _separable_classes(rng, 18, 3, 3)
    return X, y, 4, 1.0, 100


def _one_epoch(rng):
    X, y = _separable_classes(rng, 24, 4, 3)
    return X, y, 3, 1.0, 2


def _lr_two(rng):
    X, y = _separable_classes(rng, 20, 3, 3)
    return X, y, 3, 2.0, 100


def _rows(rng):
    return rng.normal(size=(50, 6)), rng.integers(0, 10, size=50), 0.2, 0


def _thirteen(rng):
    return rng.normal(size=(13, 2)), rng.integers(0, 3, size=13), 0.2, 3


def _half_way(rng):
    return rng.normal(size=(10, 3)), np.arange(10), 0.25, 11


def _images(rng):
    return rng.random(size=(15, 4, 4)), rng.integers(0, 10, size=15), 0.2, 7


def _labels(rng, n, n_wrong):
    y = rng.integers(0, 10, size=n)
    y_hat = y.copy()
    wrong = rng.choice(n, size=n_wrong, replace=False)
    y_hat[wrong] = (y[wrong] + rng.integers(1, 10, size=n_wrong)) % 10
    return y, y_hat


def _some_mistakes(rng):
    return _labels(rng, 40, 7)


def _perfect(rng):
    return _labels(rng, 25, 0)


def _all_wrong(rng):
    return _labels(rng, 8, 8)


def _single_label(rng):
    return np.array([3]), np.array([3])


def _float_predictions(rng):
    y, y_hat = _labels(rng, 20, 5)
    return y, y_hat.astype(np.float64)


# ----------------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------------

_UPDATE_RULE = (
    "on a mistake the rule is w += lr * (y - y_hat) * x and b += lr * (y - y_hat), "
    "with y_hat = 1 when x @ w + b >= 0"
)
_TRAINING = (
    "train_perceptron must start from w = 0 and b = 0, visit the examples in order, "
    "update on every mistake and stop after the first epoch without a mistake (that "
    "epoch counts in n_epochs)"
)
_LABELS = (
    "predict must return 1 where X @ w + b >= 0 and 0 elsewhere, one label per row "
    "of X, in an array of int (not of bool or float)"
)
_FLAGS = (
    "return n_epochs as an int, and converged and cycling as bools (True or False) "
    "rather than integers"
)
_MULTICLASS_RULE = (
    "on a mistake add lr * x to the row of the true class, subtract it from the row "
    "of the predicted class and leave the other rows alone (biases + lr and - lr), "
    "starting from zeros; stop after the first epoch without a mistake (it counts) "
    "or after max_epochs"
)
_SPLIT = (
    "shuffle with order = np.random.default_rng(seed).permutation(n_samples), put "
    "the first n_val shuffled samples in validation and the rest in training, with "
    "n_val = int(val_fraction * n_samples + 0.5)"
)
_ACCURACY = (
    "accuracy is the fraction (between 0 and 1) of samples whose predicted label "
    "equals the true label"
)

# course.data is handed out for loading MNIST, but its split is what part
# split_train_val asks students to write.
REFERENCE = ("course.data.train_val_split", "course.data.split.train_val_split")

PARTS = [
    Part(
        grade_id="predict_hidden",
        function="predict",
        points=1.0,
        cases=(
            Case(
                "random points",
                "predict",
                _points,
                _predict,
                array_equal(same_kind=True),
                _LABELS,
            ),
            Case(
                "scores exactly zero",
                "predict",
                _zero_scores,
                _predict,
                array_equal(same_kind=True),
                "a score of exactly 0 belongs to class 1: compare with >= 0, not > 0",
            ),
            Case(
                "bias decides",
                "predict",
                _bias_only,
                _predict,
                array_equal(same_kind=True),
                "the bias shifts every score: the score is X @ w + b",
            ),
            Case(
                "single sample",
                "predict",
                _one_point,
                _predict,
                array_equal(same_kind=True),
                "for one sample, X of shape (1, n_features), predict must return "
                "an array of shape (1,)",
            ),
        ),
    ),
    Part(
        grade_id="update_hidden",
        function="update",
        points=2.0,
        cases=(
            Case(
                "missed positive",
                "update",
                _missed_positive,
                _update,
                allclose(),
                "a missed positive (y = 1, predicted 0) must add lr * x to w and lr "
                "to b",
            ),
            Case(
                "false positive",
                "update",
                _false_positive,
                _update,
                allclose(),
                "a false positive (y = 0, predicted 1) must subtract lr * x from w "
                "and lr from b",
            ),
            Case(
                "right prediction",
                "update",
                _right,
                _update,
                allclose(),
                "when the prediction is right, w and b must not change",
            ),
            Case(
                "score exactly zero",
                "update",
                _zero_score_label_zero,
                _update,
                allclose(),
                "a score of exactly 0 predicts 1, so with y = 0 it is a mistake",
            ),
            Case(
                "learning rate",
                "update",
                _half_lr,
                _update,
                allclose(),
                _UPDATE_RULE,
            ),
        ),
    ),
    Part(
        grade_id="train_perceptron_hidden",
        function="train_perceptron",
        points=3.0,
        cases=(
            Case(
                "separable data",
                "train_perceptron",
                _separable_training,
                _train_perceptron,
                allclose(same_kind=True),
                f"{_TRAINING}; {_FLAGS}",
            ),
            Case(
                "learning rate 0.5",
                "train_perceptron",
                _separable_lr,
                _train_perceptron,
                allclose(same_kind=True),
                f"{_TRAINING}; every update is scaled by lr",
            ),
            Case(
                "not separable",
                "train_perceptron",
                _xor,
                _train_perceptron,
                allclose(same_kind=True),
                "on data that are not linearly separable the weights at the end of "
                "an epoch come back to those at the end of an earlier epoch (or to "
                "the starting zeros): stop there, with cycling True",
            ),
            Case(
                "a point with both labels",
                "train_perceptron",
                _both_labels,
                _train_perceptron,
                allclose(same_kind=True),
                "compare the parameters at the end of each epoch with those at the "
                "end of every earlier epoch and with the starting zeros (put them "
                "in the set of states seen before the first epoch): coming back to "
                "either is cycling",
            ),
            Case(
                "epoch budget",
                "train_perceptron",
                _budget,
                _train_perceptron,
                allclose(same_kind=True),
                "run at most max_epochs epochs; when training stops there, "
                "converged and cycling are both False and n_epochs is max_epochs",
            ),
            Case(
                "one feature",
                "train_perceptron",
                _one_feature,
                _train_perceptron,
                allclose(same_kind=True),
                _TRAINING,
            ),
        ),
    ),
    Part(
        grade_id="predict_multiclass_hidden",
        function="predict_multiclass",
        points=1.0,
        cases=(
            Case(
                "three classes",
                "predict_multiclass",
                _class_points,
                _predict_multiclass,
                array_equal(same_kind=True),
                "predict_multiclass must return, for each row of X, the index of "
                "its largest score in X @ W.T + b",
            ),
            Case(
                "ties",
                "predict_multiclass",
                _ties,
                _predict_multiclass,
                array_equal(same_kind=True),
                "on a tie the lowest class index wins, as np.argmax(scores, axis=1) "
                "does",
            ),
            Case(
                "single sample",
                "predict_multiclass",
                _one_class_point,
                _predict_multiclass,
                array_equal(same_kind=True),
                "for one sample, X of shape (1, n_features), return an array of "
                "shape (1,)",
            ),
            Case(
                "as many classes as features",
                "predict_multiclass",
                _square,
                _predict_multiclass,
                array_equal(same_kind=True),
                "W has one row per class, so the scores are X @ W.T + b",
            ),
        ),
    ),
    Part(
        grade_id="train_multiclass_hidden",
        function="train_multiclass",
        points=3.0,
        cases=(
            Case(
                "three classes",
                "train_multiclass",
                _blobs,
                _train_multiclass,
                allclose(same_kind=True),
                _MULTICLASS_RULE,
            ),
            Case(
                "ten classes",
                "train_multiclass",
                _ten_classes,
                _train_multiclass,
                allclose(same_kind=True),
                _MULTICLASS_RULE,
            ),
            Case(
                "a class without examples",
                "train_multiclass",
                _absent_class,
                _train_multiclass,
                allclose(same_kind=True),
                "W and b must have n_classes rows, even for a class that has no "
                "example in y",
            ),
            Case(
                "epoch budget",
                "train_multiclass",
                _one_epoch,
                _train_multiclass,
                allclose(same_kind=True),
                "stop after max_epochs epochs and return how many epochs ran",
            ),
            Case(
                "learning rate 2",
                "train_multiclass",
                _lr_two,
                _train_multiclass,
                allclose(same_kind=True),
                f"{_MULTICLASS_RULE}; every update is scaled by lr",
            ),
        ),
    ),
    Part(
        grade_id="split_train_val_hidden",
        function="split_train_val",
        points=2.0,
        cases=(
            Case(
                "50 samples",
                "split_train_val",
                _rows,
                _split,
                array_equal(),
                _SPLIT,
            ),
            Case(
                "13 samples",
                "split_train_val",
                _thirteen,
                _split,
                array_equal(),
                "20% of 13 samples is 2.6: round it to 3 validation samples with "
                "int(val_fraction * n_samples + 0.5)",
            ),
            Case(
                "a half-way size",
                "split_train_val",
                _half_way,
                _split,
                array_equal(),
                "25% of 10 samples is 2.5: round halves up with int(val_fraction * "
                "n_samples + 0.5), not with round(), which rounds 2.5 to 2",
            ),
            Case(
                "images",
                "split_train_val",
                _images,
                _split,
                array_equal(),
                f"{_SPLIT}; X may have more than two dimensions (index its first "
                f"axis only), and y must follow X",
            ),
        ),
    ),
    Part(
        grade_id="accuracy_hidden",
        function="accuracy",
        points=1.0,
        cases=(
            Case(
                "some mistakes",
                "accuracy",
                _some_mistakes,
                _accuracy,
                scalar_close(),
                _ACCURACY,
            ),
            Case(
                "perfect",
                "accuracy",
                _perfect,
                _accuracy,
                scalar_close(),
                f"{_ACCURACY}: 1.0 when every prediction is right",
            ),
            Case(
                "all wrong",
                "accuracy",
                _all_wrong,
                _accuracy,
                scalar_close(),
                f"{_ACCURACY}: 0.0 when every prediction is wrong",
            ),
            Case(
                "single sample",
                "accuracy",
                _single_label,
                _accuracy,
                scalar_close(),
                _ACCURACY,
            ),
            Case(
                "float predictions",
                "accuracy",
                _float_predictions,
                _accuracy,
                scalar_close(),
                f"{_ACCURACY}; labels stored as floats (3.0) equal the integers",
            ),
        ),
    ),
]
