"""The one Jinja2 environment that renders the grader's HTML pages.

Every page the grader writes (the class report, the students' feedback summary)
is a template in ``grader/templates/`` rendered by :func:`render`. Autoescaping
is on for every template, so student-controlled text (student ids, part names,
failure messages quoting the student's exception) is shown as text and never
becomes markup; an undefined name in a template raises instead of rendering as
an empty string.
"""

from __future__ import annotations

from typing import Any

import jinja2

environment = jinja2.Environment(
    loader=jinja2.PackageLoader("grader", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template_name: str, **context: Any) -> str:
    """Render ``grader/templates/<template_name>`` with ``context``, autoescaped."""
    return environment.get_template(template_name).render(**context)
