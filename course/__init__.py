"""Numpy reference implementations for the foundations of deep learning.

One module per concept:

- ``course.activations``: activation functions and their derivatives
- ``course.losses``: losses, softmax and one-hot encoding
- ``course.gradcheck``: central-difference gradient checking
- ``course.perceptron``: binary, multi-class and averaged perceptrons, step by step
- ``course.optim``: gradient descent, mini-batches and the SGD optimiser
- ``course.linear``: logistic and softmax regression
- ``course.layers``: the dense layer
- ``course.mlp``: multilayer perceptrons with backpropagation
- ``course.graph``: a scalar computational graph with gate-by-gate backward
- ``course.approximation``: universal approximation by steps, hand-built networks
- ``course.vanishing``: vanishing and exploding gradient experiments
- ``course.data``: MNIST, 2-D toy data sets and train/validation splits
- ``course.examples``: objectives and target functions used by lectures and widgets
- ``course.backprop_steps``: example graphs and their gradients gate by gate
- ``course.warping``: a layer's map of the plane, applied to grids and data
- ``course.plane``: grids and boxes for drawing 2-D decision boundaries
- ``course.playground``: the training state behind the live playground
- ``course.widgets``: interactive explorers for the lecture notebooks
"""

__version__ = "0.1.0"
