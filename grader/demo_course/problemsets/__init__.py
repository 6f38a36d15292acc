"""The problem sets of the grader's demo course: ``demo0``."""
