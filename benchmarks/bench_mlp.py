"""Epoch time of ``course.mlp.MLP`` against PyTorch on the MNIST training images.

Both train the same network, 784-256-10 with ReLU and a softmax cross-entropy
loss, in float32 with plain SGD (lr 0.1) on mini-batches of 128, on every image
of the MNIST training files, on the CPU with the same number of threads (PyTorch
is set to the number of BLAS threads of numpy). Each epoch does the same work on
both sides: draw a random order with numpy, gather each mini-batch, forward,
backward, update, and keep the running loss and accuracy. The course model also
validates its inputs on every call of ``partial_fit``, which PyTorch does not.

Epochs of the two alternate, so that a change in the load of the machine hits
both; the medians and their ratio course/torch are printed (goal: <= 1.0).
Run with ``make bench`` or ``python -m benchmarks mlp``.
"""

from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

from benchmarks.timing import measure, median, percentile
from course.data import load_mnist
from course.layers import init_weights
from course.mlp import MLP

LAYER_SIZES = [784, 256, 10]
BATCH_SIZE = 128
LR = 0.1
REPEATS = 7


def blas_threads() -> int:
    """Number of threads of numpy's OpenBLAS (the CPU count if unknown)."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        lib = ctypes.CDLL(path)  # already loaded by numpy: the same library
        for name in (
            "scipy_openblas_get_num_threads64_",
            "openblas_get_num_threads64_",
            "openblas_get_num_threads",
        ):
            if hasattr(lib, name):
                return int(getattr(lib, name)())
    return os.cpu_count() or 1


def torch_model(torch, mlp: MLP):
    """The PyTorch twin of ``mlp``, with a copy of its weights."""
    model = torch.nn.Sequential(
        torch.nn.Linear(LAYER_SIZES[0], LAYER_SIZES[1]),
        torch.nn.ReLU(),
        torch.nn.Linear(LAYER_SIZES[1], LAYER_SIZES[2]),
    )
    with torch.no_grad():
        for linear, W, b in zip(model[::2], mlp.weights_, mlp.biases_, strict=True):
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
    return model


def torch_epoch_fn(torch, model, X: np.ndarray, y: np.ndarray):
    """One PyTorch training epoch over ``(X, y)``, as a function of no argument."""
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.default_rng(0)
    n = X.shape[0]

    def epoch() -> None:
        order = torch.from_numpy(rng.permutation(n))
        total_loss = 0.0
        n_correct = 0
        for start in range(0, n, BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            xb, yb = X_t[idx], y_t[idx]
            out = model(xb)
            loss = loss_fn(out, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(idx)
            n_correct += int((out.argmax(dim=1) == yb).sum())

    return epoch


def test_accuracy(torch, model, X: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        predicted = model(torch.from_numpy(X)).argmax(dim=1).numpy()
    return float(np.mean(predicted == y))


def main() -> None:
    data = load_mnist()
    X, y = data.X_train, data.y_train
    threads = blas_threads()
    rng = np.random.default_rng(0)
    sizes = list(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=True))
    mlp = MLP.from_weights(
        [init_weights(n_in, n_out, "he", seed=rng) for n_in, n_out in sizes],
        [np.zeros(n_out) for _, n_out in sizes],
        "relu",
        lr=LR,
        batch_size=BATCH_SIZE,
        dtype=np.float32,
        seed=0,
    )
    print(
        f"MLP {'-'.join(map(str, LAYER_SIZES))} ReLU, float32, SGD lr={LR}, batch "
        f"{BATCH_SIZE}, {X.shape[0]} MNIST images, {threads} thread(s); median of "
        f"{REPEATS} epochs each, alternating, after one warm-up epoch"
    )
    try:
        import torch
    except ImportError:
        torch = None
    epochs = {"course": lambda: mlp.partial_fit(X, y)}
    if torch is not None:
        torch.set_num_threads(threads)
        model = torch_model(torch, mlp)
        epochs["torch"] = torch_epoch_fn(torch, model, X, y)
    times: dict[str, list[float]] = {name: [] for name in epochs}
    for fn in epochs.values():
        fn()
    for _ in range(REPEATS):
        for name, fn in epochs.items():
            times[name] += measure(fn, repeats=1, warmup=0)
    accuracy = {"course": mlp.score(data.X_test, data.y_test)}
    if torch is not None:
        accuracy["torch"] = test_accuracy(torch, model, data.X_test, data.y_test)
    for name, t in times.items():
        print(
            f"  {name:6s} median {median(t):.3f} s/epoch (p10 {percentile(t, 10):.3f},"
            f" p90 {percentile(t, 90):.3f}); test accuracy after "
            f"{REPEATS + 1} epochs {accuracy[name]:.4f}"
        )
    if torch is None:
        print("  torch is not installed: no ratio")
        return
    ratio = median(times["course"]) / median(times["torch"])
    verdict = "ok" if ratio <= 1.0 else "SLOWER than torch"
    print(f"  ratio course/torch {ratio:.2f} (goal <= 1.0): {verdict}")


if __name__ == "__main__":
    main()
