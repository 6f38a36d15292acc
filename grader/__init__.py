"""Instructor tooling on top of nbgrader: sandboxed, parallel autograding."""
