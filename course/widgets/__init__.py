"""Interactive explorers for the lecture notebooks (ipywidgets + matplotlib).

Each explorer is a view over pure functions of ``course``: it builds one figure,
updates its artists when a control changes, and shows itself when it is the
last expression of a notebook cell. Run ``%matplotlib widget`` first for the
interactive ipympl canvas; under any other backend the figure is shown as an
image that is re-rendered after each change.

- :class:`PerceptronTrainingExplorer`: the perceptron rule, one update at a time
- :class:`PerceptronXorExplorer`: one perceptron against XOR
- :class:`WarpingExplorer`: a ReLU layer folding the plane
- :class:`GradientDescent1DExplorer`: gradient descent on a curve
- :class:`GradientDescent2DExplorer`: gradient descent on a surface
- :class:`SoftmaxExplorer`: softmax, temperature and cross-entropy
- :class:`ActivationExplorer`: activation functions and their derivatives
- :class:`BackpropExplorer`: backpropagation gate by gate
- :class:`ApproximationExplorer`: universal approximation by steps
- :class:`GradientFlowExplorer`: vanishing and exploding gradients
- :class:`PlaygroundExplorer`: an MLP trained live on 2-D data

Every explorer exposes ``controls`` (a dict of its widgets by name) and ``fig``
(its matplotlib figure), so that code and tests can drive it.
"""

from course.widgets._base import Explorer
from course.widgets.activations import ActivationExplorer
from course.widgets.approximation import ApproximationExplorer
from course.widgets.backprop import BackpropExplorer
from course.widgets.descent import GradientDescent1DExplorer, GradientDescent2DExplorer
from course.widgets.perceptron import PerceptronTrainingExplorer, PerceptronXorExplorer
from course.widgets.playground import PlaygroundExplorer
from course.widgets.softmax import SoftmaxExplorer
from course.widgets.vanishing import GradientFlowExplorer
from course.widgets.warping import WarpingExplorer

__all__ = [
    "Explorer",
    "PerceptronTrainingExplorer",
    "PerceptronXorExplorer",
    "WarpingExplorer",
    "GradientDescent1DExplorer",
    "GradientDescent2DExplorer",
    "SoftmaxExplorer",
    "ActivationExplorer",
    "BackpropExplorer",
    "ApproximationExplorer",
    "GradientFlowExplorer",
    "PlaygroundExplorer",
]
