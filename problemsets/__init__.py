"""The problem sets of this course, one module per nbgrader assignment.

``grader`` finds this package through ``c.Grader.problem_sets`` in the course's
``nbgrader_config.py`` and imports it from this folder; see
:mod:`grader.problemset` for what a module defines. It lives beside
``solutions/``, not in it, so that nothing of it reaches a student release.
"""
