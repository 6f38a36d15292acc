"""Tests for the live playground explorer."""

import numpy as np
import pytest

from course.widgets import PlaygroundExplorer

pytestmark = pytest.mark.usefixtures("agg_backend")


def test_loss_decreases_over_frames_on_an_easy_data_set():
    ex = PlaygroundExplorer("blobs", n_samples=200, lr=0.1)
    start = ex.playground.test_loss[0]
    image = ex._heatmap.get_array().copy()
    for frame in range(1, 11):
        ex.controls["play"].value = frame
    pg = ex.playground
    assert pg.epoch == 10
    assert pg.train_loss[-1] < 0.3 * pg.train_loss[0]
    assert pg.test_loss[-1] < 0.3 * start
    epochs, losses = ex._test_line.get_data()
    np.testing.assert_array_equal(epochs, np.arange(11))
    np.testing.assert_allclose(losses, pg.test_loss)
    np.testing.assert_allclose(ex._train_line.get_data()[1], pg.train_loss)
    assert not np.allclose(ex._heatmap.get_array(), image)
    assert ex._ax.get_title() == "epoch 10"
    assert ex._ax_loss.get_title() == (
        f"training loss {pg.train_loss[-1]:.3f}, test loss {pg.test_loss[-1]:.3f}"
    )


def test_heat_map_mixes_class_colours_by_probability():
    ex = PlaygroundExplorer("moons", n_samples=100)
    ex.controls["step"].click()
    proba = ex.playground.probabilities()
    rgb = ex._heatmap.get_array()
    assert rgb.shape == (*proba.shape[:2], 3)
    # more probability of class 1 (orange) means more red, less blue
    flat_p, flat_rgb = proba[..., 1].ravel(), rgb.reshape(-1, 3)
    order = np.argsort(flat_p)
    assert flat_rgb[order[-1], 0] > flat_rgb[order[0], 0]
    assert flat_rgb[order[-1], 2] < flat_rgb[order[0], 2]


def test_step_and_reset():
    ex = PlaygroundExplorer("moons", n_samples=100)
    ex.controls["step"].click()
    ex.controls["step"].click()
    assert ex.playground.epoch == 2
    ex.controls["play"].value = 7
    assert ex.playground.epoch == 3
    ex.controls["reset"].click()
    assert ex.playground.epoch == 0 and ex.controls["play"].value == 0
    assert len(ex._train_line.get_data()[0]) == 1


def test_data_controls_redraw_the_points():
    ex = PlaygroundExplorer("moons", n_samples=100)
    ex.controls["dataset"].value = "spirals"
    pg = ex.playground
    assert pg.n_classes == 3
    np.testing.assert_allclose(ex._train.get_offsets(), pg.X_train)
    np.testing.assert_allclose(ex._test.get_offsets(), pg.X_test)
    assert ex._heatmap.get_array().shape == (*pg.grid.shape, 3)
    assert tuple(ex._heatmap.get_extent()) == pg.grid.extent
    before = pg.X_train.copy()
    ex.controls["noise"].value = 0.3
    assert not np.allclose(ex._train.get_offsets(), before)


def test_network_controls_start_again_and_training_controls_do_not():
    ex = PlaygroundExplorer("moons", n_samples=100)
    ex.controls["step"].click()
    ex.controls["lr"].value = 0.3
    ex.controls["weight_decay"].value = 0.01
    ex.controls["batch_size"].value = 20
    mlp = ex.playground.mlp
    assert ex.playground.epoch == 1
    assert (mlp.lr, mlp.weight_decay, mlp.batch_size) == (0.3, 0.01, 20)
    ex.controls["hidden"].value = "3, 5"
    assert ex.playground.mlp.layer_sizes == [2, 3, 5, 2]
    assert ex.playground.epoch == 0
    ex.controls["step"].click()
    ex.controls["activation"].value = "relu"
    assert ex.playground.epoch == 0 and ex.playground.mlp.activation == "relu"


def test_bad_hidden_layers_show_a_message_and_keep_the_network():
    ex = PlaygroundExplorer("moons", n_samples=100)
    ex.controls["hidden"].value = "8, many"
    assert "positive integers" in ex.status.value
    assert ex.playground.mlp.layer_sizes == [2, 8, 8, 2]


def test_divergence_stops_play_with_a_message():
    ex = PlaygroundExplorer("moons", n_samples=100, activation="linear", init="he")
    ex.controls["lr"].value = 3.0
    ex.controls["play"].playing = True
    for frame in range(1, 4):
        ex.controls["play"].value = frame
    assert "Training diverged" in ex.status.value
    assert not ex.controls["play"].playing


def test_weight_decay_must_be_offered():
    with pytest.raises(ValueError, match=r"weight_decay must be one of \(0.0, 0.0001"):
        PlaygroundExplorer(weight_decay=0.5)
