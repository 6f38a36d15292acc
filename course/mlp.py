"""Multilayer perceptrons trained by backpropagation and mini-batch SGD.

An MLP with layer sizes ``[n_0, n_1, ..., n_L]`` stacks ``L`` dense layers
(:class:`course.layers.Dense`). With :math:`z^{0} = x`, the forward pass is

.. math:: a^{l} = W^{l} z^{l-1} + b^{l}, \\qquad z^{l} = \\sigma^{l}(a^{l}),
          \\qquad l = 1, \\dots, L,

and the backward pass (backpropagation) goes the other way:

.. math::

    \\delta^{L} = \\frac{\\partial L}{\\partial z^{L}} \\odot \\sigma^{L\\prime}(a^{L}),
    \\qquad
    \\frac{\\partial L}{\\partial W^{l}} = \\delta^{l} (z^{l-1})^T, \\qquad
    \\frac{\\partial L}{\\partial b^{l}} = \\delta^{l}, \\qquad
    \\delta^{l-1} = ((W^{l})^T \\delta^{l}) \\odot \\sigma^{l-1\\prime}(a^{l-1}).

For two losses the output activation and the loss are differentiated together,
which is both simpler and numerically safer:

* ``loss="cross_entropy"``: the output is the vector of logits :math:`a^L`
  (``output_activation="linear"``), the loss is the cross-entropy of
  :math:`\\mathrm{softmax}(a^L)`, and :math:`\\delta^L = (\\mathrm{softmax}(a^L) -
  Y) / n` with one-hot targets :math:`Y`;
* ``loss="binary_cross_entropy"``: one output unit, the probability is
  :math:`\\sigma(a^L)` (sigmoid), and :math:`\\delta^L = (\\sigma(a^L) - y) / n`.

With ``loss="mse"`` the general rule above is used with any output activation.
Every loss is the mean over the samples of a batch, so the factor :math:`1/n`
sits in :math:`\\delta^L` and the layers sum over the batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from course import losses
from course._validation import (
    as_float_array,
    check_dtype,
    check_is_fitted,
    check_labels,
    check_n_features,
    check_positive,
    check_X,
    check_X_y,
)
from course.activations import Activation, get_activation, sigmoid, softmax
from course.layers import INITS, Dense
from course.optim import SGD, minibatches

__all__ = ["LOSSES", "MLP"]

#: Losses an :class:`MLP` can be trained with.
LOSSES = ("cross_entropy", "mse", "binary_cross_entropy")

#: Output activations allowed with each loss (None: any elementwise activation).
_OUTPUT_ACTIVATIONS = {
    "cross_entropy": ("linear",),
    "binary_cross_entropy": ("sigmoid", "linear"),
    "mse": None,
}


class MLP:
    """A multilayer perceptron (fully connected feed-forward network).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, n_hidden_1, ..., n_outputs]``: the number of units of every
        layer, input first. For ``loss="cross_entropy"`` the last entry is the
        number of classes.
    activation : str, Activation or sequence of them, default "relu"
        Activation of the hidden layers: one for all, or one per hidden layer
        (``len(layer_sizes) - 2`` of them).
    output_activation : str or Activation, default "linear"
        Activation of the output layer. ``"linear"`` (logits) is required by
        ``loss="cross_entropy"``; ``"sigmoid"`` or ``"linear"`` work with
        ``loss="binary_cross_entropy"``, the sigmoid being fused into the loss
        in both cases.
    loss : {"cross_entropy", "mse", "binary_cross_entropy"}, default "cross_entropy"
        Training loss, averaged over the samples. Cross-entropy and binary
        cross-entropy make a classifier (integer labels ``y``), MSE a regressor.
    lr : float, default 0.1
        Learning rate of SGD. It may be changed between calls of
        :meth:`partial_fit` to follow a schedule.
    momentum : float, default 0.0
        Momentum of SGD, in [0, 1).
    weight_decay : float, default 0.0
        L2 coefficient :math:`\\lambda`: SGD adds :math:`\\lambda W` to the gradient
        of every weight matrix (not of the biases), i.e. it minimises the loss
        plus :math:`\\frac{\\lambda}{2} \\sum_l \\lVert W^l \\rVert^2`.
    batch_size : int, default 32
        Mini-batch size. Like ``lr``, it may be changed between calls of
        :meth:`partial_fit`.
    n_epochs : int, default 10
        Passes over the training data made by :meth:`fit`.
    init : {"he", "xavier", "glorot", "normal"}, default "he"
        Weight initialisation (:func:`course.layers.init_weights`).
    init_scale : float, default 0.01
        Standard deviation of the weights for ``init="normal"``.
    seed : int or None, default 0
        Seed of the initial weights and of the order of the mini-batches.
    dtype : float32 or float64, default float64
        Precision of the parameters and of every computation. float32 is about
        twice as fast; gradient checks need float64.
    verbose : bool, default False
        Show a progress bar over the epochs in :meth:`fit`.

    Attributes
    ----------
    layers_ : list of Dense
        The layers, input side first.
    weights_ : list of ndarray
        ``W^l`` of shape ``(layer_sizes[l], layer_sizes[l - 1])`` (the arrays of
        ``layers_``, not copies).
    biases_ : list of ndarray
        ``b^l`` of shape ``(layer_sizes[l],)``.
    optimizer_ : SGD
        The optimiser, which keeps the momentum between calls of
        :meth:`partial_fit`.
    history_ : dict of str to list of float
        One entry per epoch: ``"loss"`` (mean of the mini-batch losses during the
        epoch) and, for classifiers, ``"accuracy"`` (fraction of the training
        samples classified correctly when their mini-batch was seen); with
        validation data also ``"val_loss"`` and ``"val_accuracy"`` (or
        ``"val_r2"`` for MSE), measured at the end of the epoch.

    Notes
    -----
    Training time goes almost entirely into three matrix products per layer and
    mini-batch (forward, weight gradient, gradient to the previous layer). With
    ``dtype=np.float32`` every array stays float32, which halves their cost; the
    first layer skips the gradient with respect to ``X``; and for cross-entropy
    the loss and :math:`\\delta^L` come from a single log-softmax. One epoch of a
    784-256-10 network on the MNIST training images takes less time than the
    same loop in PyTorch on the CPU (``benchmarks/bench_mlp.py``).

    Examples
    --------
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> y = np.array([0, 1, 1, 0])
    >>> mlp = MLP([2, 8, 2], activation="tanh", lr=0.5, batch_size=4, n_epochs=300)
    >>> mlp.fit(X, y).predict(X).tolist()
    [0, 1, 1, 0]
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str | Activation | Sequence[str | Activation] = "relu",
        output_activation: str | Activation = "linear",
        loss: str = "cross_entropy",
        lr: float = 0.1,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        batch_size: int = 32,
        n_epochs: int = 10,
        init: str = "he",
        init_scale: float = 0.01,
        seed: int | None = 0,
        dtype=np.float64,
        verbose: bool = False,
    ) -> None:
        self.layer_sizes = layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.init = init
        self.init_scale = init_scale
        self.seed = seed
        self.dtype = dtype
        self.verbose = verbose

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------

    def _check_params(self) -> None:
        """Validate the hyperparameters; set the resolved ``_spec``."""
        sizes = self.layer_sizes
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise TypeError(
                "layer_sizes must be a sequence of ints [n_features, ..., "
                f"n_outputs], but got {type(sizes).__name__}."
            )
        if len(sizes) < 2:
            raise ValueError(
                "layer_sizes must hold at least 2 sizes (inputs and outputs), but "
                f"got {list(sizes)}."
            )
        for size in sizes:
            check_positive(size, "each entry of layer_sizes", integer=True)
        n_hidden_layers = len(sizes) - 2
        if isinstance(self.activation, (str, Activation)):
            hidden = [get_activation(self.activation)] * n_hidden_layers
        elif isinstance(self.activation, Sequence):
            if len(self.activation) != n_hidden_layers:
                raise ValueError(
                    "activation must be one activation or a list with one per "
                    f"hidden layer ({n_hidden_layers}), but got a list of "
                    f"{len(self.activation)}."
                )
            hidden = [get_activation(a) for a in self.activation]
        else:
            raise TypeError(
                "activation must be a name, an Activation or a list of them, but "
                f"got {type(self.activation).__name__}."
            )
        output = get_activation(self.output_activation)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, but got {self.loss!r}.")
        allowed = _OUTPUT_ACTIVATIONS[self.loss]
        if allowed is not None and output.name not in allowed:
            raise ValueError(
                f"loss={self.loss!r} needs output_activation in {allowed} (the "
                "output non-linearity is part of the loss), but got "
                f"{output.name!r}."
            )
        n_outputs = sizes[-1]
        if self.loss == "cross_entropy" and n_outputs < 2:
            raise ValueError(
                "loss='cross_entropy' needs at least 2 output units (one per "
                f"class), but layer_sizes[-1] is {n_outputs}."
            )
        if self.loss == "binary_cross_entropy" and n_outputs != 1:
            raise ValueError(
                "loss='binary_cross_entropy' needs 1 output unit (the probability "
                f"of class 1), but layer_sizes[-1] is {n_outputs}."
            )
        check_positive(self.lr, "lr")
        check_positive(self.momentum, "momentum", strict=False)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be < 1, but got {self.momentum!r}.")
        check_positive(self.weight_decay, "weight_decay", strict=False)
        check_positive(self.batch_size, "batch_size", integer=True)
        check_positive(self.n_epochs, "n_epochs", integer=True)
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, but got {self.init!r}.")
        check_positive(self.init_scale, "init_scale")
        self._spec = (hidden + [output], check_dtype(self.dtype))

    def _start(self, layers: list[Dense], rng: np.random.Generator) -> None:
        """Set the fitted state around freshly built ``layers``; ``rng`` then
        draws the order of the mini-batches."""
        self.layers_ = layers
        self.optimizer_ = SGD(self.lr, self.momentum, self.weight_decay)
        self.history_ = {"loss": []}
        if self._is_classifier:
            self.history_["accuracy"] = []
        self._rng = rng

    def initialize(self) -> MLP:
        """Draw a fresh network from the hyperparameters, without training.

        Validates the hyperparameters and sets ``layers_`` (hence ``weights_``
        and ``biases_``) from ``layer_sizes``, ``activation``, ``init``,
        ``init_scale``, ``seed`` and ``dtype``, with zero biases, a new optimiser
        and an empty ``history_``: the state :meth:`fit` starts from. The
        generator seeded with ``seed`` then draws the order of the mini-batches
        of the following :meth:`partial_fit` calls, so that
        ``initialize()`` and ``n`` calls of ``partial_fit`` train exactly like
        ``n`` calls of ``partial_fit`` on an unfitted model.

        Returns
        -------
        self

        Examples
        --------
        >>> mlp = MLP([3, 4, 2], init="xavier", seed=1).initialize()
        >>> [W.shape for W in mlp.weights_], mlp.biases_[0].tolist()
        ([(4, 3), (2, 4)], [0.0, 0.0, 0.0, 0.0])
        """
        self._check_params()
        activations, dtype = self._spec
        rng = np.random.default_rng(self.seed)
        sizes = self.layer_sizes
        self._start(
            [
                Dense(
                    n_in,
                    n_out,
                    act,
                    init=self.init,
                    scale=self.init_scale,
                    seed=rng,
                    dtype=dtype,
                )
                for n_in, n_out, act in zip(
                    sizes[:-1], sizes[1:], activations, strict=True
                )
            ],
            rng,
        )
        return self

    @classmethod
    def from_weights(
        cls,
        weights: Sequence,
        biases: Sequence,
        activation: str | Activation | Sequence[str | Activation] = "relu",
        output_activation: str | Activation = "linear",
        loss: str = "cross_entropy",
        **params,
    ) -> MLP:
        """Build a fitted network from given weights and biases (copied).

        Parameters
        ----------
        weights : sequence of array_like
            ``W^l`` of shape ``(n_l, n_{l-1})``, input side first.
        biases : sequence of array_like
            ``b^l`` of shape ``(n_l,)``, with :math:`a^l = W^l z^{l-1} + b^l`.
            (For the convention :math:`\\sigma(W z - b)` pass ``-b``.)
        activation, output_activation, loss
            As for :class:`MLP`.
        **params
            Other hyperparameters of :class:`MLP` (``lr``, ``dtype``, ...), used
            if training continues with :meth:`partial_fit`.

        Returns
        -------
        MLP
            Ready for :meth:`predict`, :meth:`forward` and :meth:`partial_fit`.

        Examples
        --------
        >>> mlp = MLP.from_weights([[[1.0, 1.0]]], [[-1.5]], loss="mse")
        >>> mlp.predict([[1, 1], [1, 0]]).tolist()
        [0.5, -0.5]
        """
        if len(weights) != len(biases) or len(weights) == 0:
            raise ValueError(
                "weights and biases must be non-empty lists of the same length "
                f"(one per layer), but got {len(weights)} weights and "
                f"{len(biases)} biases."
            )
        shapes = [np.shape(W) for W in weights]
        for k, shape in enumerate(shapes):
            if len(shape) != 2:
                raise ValueError(
                    f"weights[{k}] must be a 2-D array of shape (n_out, n_in), but "
                    f"got shape {shape}."
                )
            if k and shape[1] != shapes[k - 1][0]:
                raise ValueError(
                    f"weights[{k}] has {shape[1]} columns (inputs), but weights"
                    f"[{k - 1}] has {shapes[k - 1][0]} rows (outputs): the layers "
                    "do not chain."
                )
        layer_sizes = [shapes[0][1]] + [shape[0] for shape in shapes]
        mlp = cls(layer_sizes, activation, output_activation, loss, **params)
        mlp._check_params()
        activations, dtype = mlp._spec
        mlp._start(
            [
                Dense.from_weights(W, b, act, dtype=dtype)
                for W, b, act in zip(weights, biases, activations, strict=True)
            ],
            np.random.default_rng(mlp.seed),
        )
        return mlp

    # ------------------------------------------------------------------
    # fitted state
    # ------------------------------------------------------------------

    @property
    def _is_classifier(self) -> bool:
        return self.loss != "mse"

    @property
    def weights_(self) -> list[np.ndarray]:
        """Weight matrices of the layers, input side first."""
        return [layer.W for layer in self.layers_]

    @property
    def biases_(self) -> list[np.ndarray]:
        """Bias vectors of the layers, input side first."""
        return [layer.b for layer in self.layers_]

    def _params(self) -> list[np.ndarray]:
        return [p for layer in self.layers_ for p in layer.params]

    # ------------------------------------------------------------------
    # inputs and targets
    # ------------------------------------------------------------------

    def _check_X(self, X) -> np.ndarray:
        X = check_X(X, dtype=self._spec[1])
        check_n_features(self, X, self.layers_[0].n_in)
        return X

    def _check_X_y(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """Validated inputs and targets in the form the loss needs."""
        X, y = check_X_y(X, y, dtype=self._spec[1])
        n_features = self.layer_sizes[0]
        if X.shape[1] != n_features:
            raise ValueError(
                f"X has {X.shape[1]} features, but the input layer has "
                f"layer_sizes[0] = {n_features} units."
            )
        n_outputs = self.layer_sizes[-1]
        if self.loss == "cross_entropy":
            return X, check_labels(y, n_classes=n_outputs)
        if self.loss == "binary_cross_entropy":
            labels = check_labels(y, n_classes=2)
            return X, labels.astype(X.dtype)[:, None]
        y = as_float_array(y, "y", ndim=(1, 2), dtype=X.dtype)
        if y.ndim == 1:
            y = y[:, None]
        if y.shape[1] != n_outputs:
            raise ValueError(
                f"y has {y.shape[1]} columns, but the output layer has "
                f"layer_sizes[-1] = {n_outputs} units."
            )
        return X, y

    # ------------------------------------------------------------------
    # forward and backward
    # ------------------------------------------------------------------

    def _forward(self, X: np.ndarray) -> np.ndarray:
        Z = X
        for layer in self.layers_:
            Z = layer.forward(Z)
        return Z

    def forward(self, X) -> np.ndarray:
        """Run the network on ``X`` and cache every ``a^l`` and ``z^l``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
            :math:`z^L`, the output of the last layer (the logits for
            ``loss="cross_entropy"``). The caches are ``layers_[l].A`` and
            ``layers_[l].Z``.
        """
        check_is_fitted(self, "layers_")
        return self._forward(self._check_X(X))

    def _loss_and_delta(self, y: np.ndarray) -> tuple[float, np.ndarray, bool]:
        """Loss of the cached forward pass, and the output gradient.

        Returns ``(loss, grad, fused)``: with ``fused`` the gradient is
        :math:`\\delta^L = \\partial L / \\partial a^L`, otherwise it is
        :math:`\\partial L / \\partial z^L`.
        """
        out = self.layers_[-1]
        if self.loss == "cross_entropy":
            # Fused: one log-softmax gives both the loss and (softmax(a) - Y) / n,
            # with Y one-hot, without building Y.
            n = y.shape[0]
            rows = np.arange(n)
            log_p = losses.log_softmax(out.A)
            loss = -float(np.mean(log_p[rows, y]))
            delta = np.exp(log_p)
            delta[rows, y] -= 1
            delta /= n
            return loss, delta, True
        if self.loss == "binary_cross_entropy":
            return (
                losses.binary_cross_entropy_with_logits(y, out.A),
                losses.binary_cross_entropy_with_logits_gradient(y, out.A),
                True,
            )
        return losses.mse(y, out.Z), losses.mse_gradient(y, out.Z), False

    def _backward(self, grad: np.ndarray, fused: bool) -> list[np.ndarray]:
        """Gradients ``[dW^1, db^1, ..., dW^L, db^L]`` from the output gradient.

        The first layer skips the gradient with respect to the inputs ``X``,
        which nothing needs.
        """
        grads: list[np.ndarray] = []
        last = len(self.layers_) - 1
        for k in range(last, -1, -1):
            layer = self.layers_[k]
            need_input = k > 0
            if k == last and fused:
                dW, db, grad = layer.backward_affine(grad, input_grad=need_input)
            else:
                dW, db, grad = layer.backward(grad, input_grad=need_input)
            grads += (db, dW)
        grads.reverse()
        return grads

    def _loss_and_grads(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, list[np.ndarray]]:
        self._forward(X)
        loss, grad, fused = self._loss_and_delta(y)
        return float(loss), self._backward(grad, fused)

    def backward(self, y) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Backpropagate the loss of the last :meth:`forward` for targets ``y``.

        Parameters
        ----------
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
            Targets of the samples of the last forward pass.

        Returns
        -------
        grads_W : list of ndarray
            :math:`\\partial L / \\partial W^l`, shaped like ``weights_``.
        grads_b : list of ndarray
            :math:`\\partial L / \\partial b^l`, shaped like ``biases_``.
        """
        check_is_fitted(self, "layers_")
        first = self.layers_[0]
        if first.Z_prev is None:
            raise ValueError(
                "backward needs the cache of a forward pass, but forward has not "
                "been called: call forward(X) first."
            )
        _, y = self._check_X_y(first.Z_prev, y)
        _, grad, fused = self._loss_and_delta(y)
        grads = self._backward(grad, fused)
        return grads[::2], grads[1::2]

    def loss_and_gradients(
        self, X, y
    ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """Mean loss on ``(X, y)`` and its gradients with respect to every parameter.

        The L2 penalty of ``weight_decay`` is not included: the optimiser adds
        it.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        loss : float
        grads_W : list of ndarray
            Shaped like ``weights_``.
        grads_b : list of ndarray
            Shaped like ``biases_``.
        """
        check_is_fitted(self, "layers_")
        X, y = self._check_X_y(X, y)
        loss, grads = self._loss_and_grads(X, y)
        return loss, grads[::2], grads[1::2]

    # ------------------------------------------------------------------
    # training
    # ------------------------------------------------------------------

    def _sync_optimizer(self) -> None:
        """Apply hyperparameters changed since the last call (lr schedules)."""
        opt = self.optimizer_
        if (opt.momentum, opt.weight_decay) != (self.momentum, self.weight_decay):
            self.optimizer_ = SGD(self.lr, self.momentum, self.weight_decay)
        else:
            check_positive(self.lr, "lr")
            opt.lr = self.lr

    def _epoch(self, X: np.ndarray, y: np.ndarray, validation) -> None:
        """One pass of mini-batch SGD over ``(X, y)``; append to ``history_``."""
        n = X.shape[0]
        params = self._params()
        step = self.optimizer_.step
        total_loss = 0.0
        n_correct = 0
        out = self.layers_[-1]
        # A learning rate that is too large makes the weights overflow; report
        # that plainly instead of as a warning or a non-finite input downstream.
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                for idx in minibatches(n, self.batch_size, seed=self._rng):
                    Xb, yb = X[idx], y[idx]
                    self._forward(Xb)
                    loss, grad, fused = self._loss_and_delta(yb)
                    step(params, self._backward(grad, fused))
                    total_loss += float(loss) * len(idx)
                    if self.loss == "cross_entropy":
                        n_correct += np.count_nonzero(out.A.argmax(axis=1) == yb)
                    elif self.loss == "binary_cross_entropy":
                        n_correct += np.count_nonzero((out.A >= 0) == (yb == 1))
            except ValueError:
                self._raise_if_diverged()
                raise
            if not np.isfinite(total_loss):
                self._raise_if_diverged()
        history = self.history_
        history["loss"].append(total_loss / n)
        if self._is_classifier:
            history["accuracy"].append(float(n_correct) / n)
        if validation is not None:
            X_val, y_val = validation
            key = "val_accuracy" if self._is_classifier else "val_r2"
            history.setdefault("val_loss", []).append(self._loss_on(X_val, y_val))
            history.setdefault(key, []).append(self.score(X_val, y_val))

    def _raise_if_diverged(self) -> None:
        """Raise a clear error if a parameter or an activation is not finite."""
        arrays = self._params() + [layer.A for layer in self.layers_]
        if not all(a is None or np.isfinite(a).all() for a in arrays):
            raise ValueError(
                "Training diverged: the weights or activations became infinite "
                f"or NaN. Use a smaller learning rate (lr={self.lr}) or a smaller "
                "initialisation."
            ) from None

    def _loss_on(self, X, y) -> float:
        X, y = self._check_X_y(X, y)
        self._forward(X)
        return float(self._loss_and_delta(y)[0])

    def fit(self, X, y, *, validation_data: tuple | None = None) -> MLP:
        """Train a freshly initialised network for ``n_epochs`` epochs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels in ``[0, n_classes)`` for the classification losses,
            values for MSE.
        validation_data : tuple (X_val, y_val), optional
            Data scored at the end of every epoch (``val_loss`` and
            ``val_accuracy`` or ``val_r2`` in ``history_``).

        Returns
        -------
        self
        """
        self.initialize()
        X, y = self._check_X_y(X, y)
        epochs = range(self.n_epochs)
        if self.verbose:
            from tqdm.auto import tqdm

            epochs = tqdm(epochs, desc="epochs", unit="epoch")
        for _ in epochs:
            self._epoch(X, y, validation_data)
            if self.verbose:
                epochs.set_postfix(
                    {key: f"{values[-1]:.4g}" for key, values in self.history_.items()}
                )
        return self

    def partial_fit(self, X, y, *, validation_data: tuple | None = None) -> MLP:
        """Train for one epoch, starting from the current weights.

        The first call on an unfitted model initialises it (:meth:`initialize`).
        Changes of ``lr``, ``momentum``, ``weight_decay`` or ``batch_size``
        between calls take effect at the next call (a new momentum or weight
        decay restarts the optimiser). Those that describe the network (sizes,
        activations, loss, initialisation, seed, dtype) take effect at the next
        :meth:`initialize` or :meth:`fit`.

        Parameters
        ----------
        X, y, validation_data
            As for :meth:`fit`.

        Returns
        -------
        self
        """
        if getattr(self, "layers_", None) is None:
            self.initialize()
        else:
            self._sync_optimizer()
        X, y = self._check_X_y(X, y)
        self._epoch(X, y, validation_data)
        return self

    # ------------------------------------------------------------------
    # prediction
    # ------------------------------------------------------------------

    def _output(self, X) -> np.ndarray:
        check_is_fitted(self, "layers_")
        self._forward(self._check_X(X))
        return self.layers_[-1]

    def predict(self, X) -> np.ndarray:
        """Predicted class labels (classifiers) or values (MSE).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels (int64) for the classification losses; for MSE the outputs,
            of shape ``(n_samples,)`` with one output unit and
            ``(n_samples, n_outputs)`` otherwise.
        """
        out = self._output(X)
        if self.loss == "cross_entropy":
            return out.A.argmax(axis=1)
        if self.loss == "binary_cross_entropy":
            return (out.A[:, 0] >= 0).astype(np.int64)
        return out.Z[:, 0] if out.Z.shape[1] == 1 else out.Z

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            ``softmax(a^L)`` for cross-entropy; ``[1 - p, p]`` with
            ``p = sigmoid(a^L)`` for binary cross-entropy.
        """
        if not self._is_classifier:
            raise ValueError(
                "predict_proba needs a classification loss (cross_entropy or "
                f"binary_cross_entropy), but loss={self.loss!r}."
            )
        out = self._output(X)
        if self.loss == "cross_entropy":
            return softmax(out.A, axis=1)
        p = sigmoid(out.A)
        return np.hstack([1 - p, p])

    def score(self, X, y) -> float:
        """Accuracy for classifiers, coefficient of determination R^2 for MSE.

        :math:`R^2 = 1 - \\sum (y - \\hat y)^2 / \\sum (y - \\bar y)^2`, averaged
        over the outputs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        float
        """
        check_is_fitted(self, "layers_")
        X, y = self._check_X_y(X, y)
        if self._is_classifier:
            y_true = y[:, 0] if self.loss == "binary_cross_entropy" else y
            return float(np.mean(self.predict(X) == y_true))
        self._forward(X)
        y_hat = self.layers_[-1].Z
        ss_res = np.sum((y - y_hat) ** 2, axis=0, dtype=np.float64)
        ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0, dtype=np.float64)
        perfect = np.where(ss_res == 0, 1.0, 0.0)
        r2 = np.divide(ss_tot - ss_res, ss_tot, out=perfect, where=ss_tot > 0)
        return float(np.mean(r2))
