"""The HTML templates (grader.templating): autoescaped, and strict about names.

Every page template is compiled with autoescaping on, as Jinja2 itself decides it,
and a name the caller forgot is an error rather than an empty string.
"""

import pytest
from jinja2 import StrictUndefined, UndefinedError, nodes

from grader.templating import environment, render


def test_every_page_template_autoescapes_and_rejects_undefined_names():
    names = environment.list_templates()
    assert {"base.html.j2", "report.html.j2", "feedback.html.j2"} <= set(names)
    for name in names:  # as Jinja2 decides it when compiling the template
        assert nodes.EvalContext(environment, name).autoescape is True, name
    assert environment.undefined is StrictUndefined
    with pytest.raises(UndefinedError, match="'rows' is undefined"):
        render("feedback.html.j2", student="s", assignment="a", total=0,
               max_total=0, labels={})  # fmt: skip
