"""The playground's state: a small MLP learning a 2-D data set one epoch at a time.

In the spirit of TensorFlow Playground, but with the course's own
:class:`course.mlp.MLP`: a toy data set from :func:`course.data.make_dataset` is
split into training and test points, a network with the chosen hidden layers
is trained by mini-batch SGD one epoch per :meth:`Playground.step` (one call of
``partial_fit``), and after every epoch the training and test losses are
recorded and the class probabilities can be read on a grid of pixels covering
the data (:meth:`Playground.probabilities`), which is the picture of the
decision boundary.

Changing the learning rate, the L2 coefficient or the batch size takes effect
at the next epoch, without starting again. Changing the data (set, noise,
size) or the network (hidden layers, activation, initialisation) starts again
from fresh weights, as :meth:`Playground.set_params` does.
"""

from __future__ import annotations

import numpy as np

from course._validation import check_positive
from course.data import make_dataset, train_val_split
from course.losses import cross_entropy
from course.mlp import MLP
from course.plane import PixelGrid, data_box, pixel_grid

__all__ = ["parse_hidden", "Playground"]

#: Parameters that only change how the next epochs train.
_TRAINING = ("lr", "weight_decay", "batch_size")
#: Parameters that change the network: new weights.
_NETWORK = ("hidden", "activation", "init", "seed")
#: Parameters that change the data: new points, then new weights.
_DATA = ("dataset", "n_samples", "noise", "test_fraction", "resolution")


def parse_hidden(text: str) -> tuple[int, ...]:
    """Read hidden layer widths written as ``"8, 8"`` (empty: no hidden layer).

    Parameters
    ----------
    text : str
        Positive integers separated by commas or spaces.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> parse_hidden("8, 4"), parse_hidden("")
    ((8, 4), ())
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, but got {type(text).__name__}.")
    parts = text.replace(",", " ").split()
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(
            "hidden layers must be positive integers separated by commas, such as "
            f"'8, 8', but got {text!r}."
        )
    return tuple(int(p) for p in parts)


class Playground:
    """A network learning a 2-D toy data set, with its history.

    Parameters
    ----------
    dataset : str, default "circles"
        A name of :data:`course.data.DATASETS`.
    n_samples : int, default 500
        Points in the data set (training and test together).
    noise : float, default 0.1
        Noise of the data set.
    test_fraction : float, default 0.2
        Fraction of the points held out to measure the test loss.
    hidden : sequence of int, default (8, 8)
        Widths of the hidden layers (empty: a linear softmax classifier).
    activation : str, default "tanh"
        Activation of the hidden layers.
    init : str, default "xavier"
        Weight initialisation (:func:`course.layers.init_weights`).
    lr : float, default 0.03
        Learning rate.
    weight_decay : float, default 0.0
        L2 coefficient.
    batch_size : int, default 10
        Mini-batch size.
    resolution : int, default 50
        Pixels along each side of the picture of the boundary.
    seed : int, default 0
        Seed of the data, of the split, of the weights and of the batches.
    dtype : float32 or float64, default float32

    Attributes
    ----------
    X_train, X_test : ndarray of shape (n, 2)
    y_train, y_test : ndarray of int, shape (n,)
    n_classes : int
    grid : PixelGrid
        Pixels of a box around the data.
    mlp : MLP
        The network being trained (fresh weights from :meth:`MLP.initialize`).
    epoch : int
        Epochs trained since the last reset.
    train_loss, test_loss : list of float
        Cross-entropy of the current network on the training and the test
        points, after each epoch (entry 0: before training).
    """

    def __init__(
        self,
        dataset: str = "circles",
        *,
        n_samples: int = 500,
        noise: float = 0.1,
        test_fraction: float = 0.2,
        hidden=(8, 8),
        activation: str = "tanh",
        init: str = "xavier",
        lr: float = 0.03,
        weight_decay: float = 0.0,
        batch_size: int = 10,
        resolution: int = 50,
        seed: int = 0,
        dtype=np.float32,
    ) -> None:
        self.dataset = dataset
        self.n_samples = n_samples
        self.noise = noise
        self.test_fraction = test_fraction
        self.hidden = tuple(hidden)
        self.activation = activation
        self.init = init
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.resolution = resolution
        self.seed = seed
        self.dtype = dtype
        self.new_data()

    def set_params(self, **params) -> Playground:
        """Change parameters; start again only if the data or the network changed.

        Parameters
        ----------
        **params
            Any of the constructor's parameters.

        Returns
        -------
        self
        """
        allowed = _TRAINING + _NETWORK + _DATA
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {unknown}: expected some of {sorted(allowed)}."
            )
        old = {name: getattr(self, name) for name in params}
        if "hidden" in params:
            params["hidden"] = tuple(params["hidden"])
        for name, value in params.items():
            setattr(self, name, value)
        changed = {name for name in params if params[name] != old[name]}
        try:
            if changed & set(_DATA):
                self.new_data()
            elif changed & set(_NETWORK):
                self.reset()
            else:
                self._apply_training_params()
        except (TypeError, ValueError):
            for name, value in old.items():
                setattr(self, name, value)
            raise
        return self

    def new_data(self) -> None:
        """Draw the data set, split it, place the pixel grid and reset."""
        X, y = make_dataset(
            self.dataset, n_samples=self.n_samples, noise=self.noise, seed=self.seed
        )
        self.X_train, self.X_test, self.y_train, self.y_test = train_val_split(
            X, y, self.test_fraction, stratify=True, seed=self.seed
        )
        self.n_classes = int(y.max()) + 1
        xlim, ylim = data_box(X, margin=0.15 * float(np.ptp(X)))
        self.grid: PixelGrid = pixel_grid(xlim, ylim, self.resolution)
        self.reset()

    def reset(self) -> None:
        """Fresh weights (from ``seed``), epoch 0 and the losses before training."""
        for width in self.hidden:
            check_positive(width, "each hidden layer width", integer=True)
        self.mlp = MLP(
            [2, *self.hidden, self.n_classes],
            activation=self.activation,
            output_activation="linear",
            loss="cross_entropy",
            lr=self.lr,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            init=self.init,
            seed=self.seed,
            dtype=self.dtype,
        ).initialize()
        self.epoch = 0
        self.train_loss: list[float] = []
        self.test_loss: list[float] = []
        self._record_losses()

    def _apply_training_params(self) -> None:
        check_positive(self.lr, "lr")
        check_positive(self.weight_decay, "weight_decay", strict=False)
        check_positive(self.batch_size, "batch_size", integer=True)
        self.mlp.lr = self.lr
        self.mlp.weight_decay = self.weight_decay
        self.mlp.batch_size = self.batch_size

    def _record_losses(self) -> None:
        self.train_loss.append(
            cross_entropy(self.y_train, self.mlp.forward(self.X_train))
        )
        self.test_loss.append(cross_entropy(self.y_test, self.mlp.forward(self.X_test)))

    def step(self, n_epochs: int = 1) -> None:
        """Train for ``n_epochs`` epochs (``partial_fit``), recording the losses.

        Raises
        ------
        ValueError
            If training diverged (learning rate too large): call :meth:`reset`.
        """
        check_positive(n_epochs, "n_epochs", integer=True)
        for _ in range(n_epochs):
            self.mlp.partial_fit(self.X_train, self.y_train)
            self.epoch += 1
            self._record_losses()

    def probabilities(self) -> np.ndarray:
        """Class probabilities at the pixels of :attr:`grid`.

        Returns
        -------
        ndarray of shape (n_rows, n_cols, n_classes)
            For ``imshow(..., origin="lower", extent=grid.extent)``.
        """
        proba = self.mlp.predict_proba(self.grid.points)
        return proba.reshape(*self.grid.shape, self.n_classes)
