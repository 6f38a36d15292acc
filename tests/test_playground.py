"""Tests for course.playground: the playground's training state."""

import numpy as np
import pytest

from course.playground import Playground, parse_hidden


def test_parse_hidden():
    assert parse_hidden("8, 8") == (8, 8)
    assert parse_hidden(" 3 4,5 ") == (3, 4, 5)
    assert parse_hidden("") == ()
    with pytest.raises(
        ValueError, match="positive integers separated by commas.*'4, x'"
    ):
        parse_hidden("4, x")
    with pytest.raises(ValueError, match="but got '0'"):
        parse_hidden("0")
    with pytest.raises(TypeError, match="text must be a str, but got int"):
        parse_hidden(8)


def test_training_lowers_both_losses_on_an_easy_data_set():
    pg = Playground("blobs", n_samples=200, hidden=(4,), lr=0.1)
    assert pg.epoch == 0 and len(pg.train_loss) == len(pg.test_loss) == 1
    pg.step(5)
    assert pg.epoch == 5 and len(pg.train_loss) == 6
    assert pg.train_loss[-1] < 0.5 * pg.train_loss[0]
    assert pg.test_loss[-1] < 0.5 * pg.test_loss[0]


def test_split_sizes_and_the_probability_image():
    pg = Playground("spirals", n_samples=300, test_fraction=0.2, resolution=20)
    assert len(pg.X_train) == 240 and len(pg.X_test) == 60
    assert pg.n_classes == 3
    proba = pg.probabilities()
    assert proba.shape == (20, 20, 3)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=1e-5)


def test_training_parameters_apply_without_a_restart():
    pg = Playground("moons", n_samples=100)
    pg.step(2)
    pg.set_params(lr=0.2, weight_decay=0.01, batch_size=5)
    assert pg.epoch == 2
    assert (pg.mlp.lr, pg.mlp.weight_decay, pg.mlp.batch_size) == (0.2, 0.01, 5)


def test_network_and_data_parameters_start_again():
    pg = Playground("moons", n_samples=100)
    pg.step(2)
    pg.set_params(hidden=[3])
    assert pg.epoch == 0 and pg.mlp.layer_sizes == [2, 3, 2]
    X_before = pg.X_train
    pg.step()
    pg.set_params(noise=0.3)
    assert pg.epoch == 0 and not np.array_equal(pg.X_train, X_before)


def test_no_hidden_layer_is_a_linear_classifier():
    pg = Playground("blobs", n_samples=100, hidden=())
    assert pg.mlp.layer_sizes == [2, 2]


def test_bad_parameters_raise_and_leave_the_state_unchanged():
    pg = Playground("moons", n_samples=100)
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['colour'\]"):
        pg.set_params(colour="red")
    with pytest.raises(ValueError, match="Unknown activation 'bogus'"):
        pg.set_params(activation="bogus")
    assert pg.activation == "tanh"
    with pytest.raises(ValueError, match="lr must be"):
        pg.set_params(lr=-1.0)
    assert pg.lr == 0.03


def test_divergence_is_reported():
    pg = Playground("moons", n_samples=100, activation="linear", lr=3.0, init="he")
    with pytest.raises(ValueError, match="Training diverged"):
        pg.step(20)
