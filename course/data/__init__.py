"""Data for the course: MNIST, two-dimensional toy sets and train/validation splits.

- :func:`load_mnist` finds (or downloads) the MNIST IDX files and returns the
  images flattened to 784 columns in [0, 1] with integer labels; :func:`read_idx`
  reads one IDX file.
- :func:`make_xor`, :func:`make_circles`, :func:`make_moons`, :func:`make_spirals`
  and :func:`make_blobs` draw 2-D classification problems; :func:`make_dataset`
  picks one by name.
- :func:`train_val_split` holds out a validation set, optionally stratified.
"""

from course.data.mnist import MNIST, load_mnist, read_idx
from course.data.split import train_val_split
from course.data.toy import (
    DATASETS,
    make_blobs,
    make_circles,
    make_dataset,
    make_moons,
    make_spirals,
    make_xor,
)

__all__ = [
    "MNIST",
    "load_mnist",
    "read_idx",
    "make_xor",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_blobs",
    "make_dataset",
    "DATASETS",
    "train_val_split",
]
