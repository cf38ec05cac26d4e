"""The pages' {% url %} (templatetags/firsthand.py) answers exactly as Django's does, in
every language, though it remembers its answers."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import translation

OURS = "{% load firsthand %}"


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_same_urls_as_djangos_in_each_language(language: str) -> None:
    with translation.override(language):
        for _ in range(2):  # the second time from what it remembered
            assert render(OURS + "{% url 'pages:home' %}") == reverse("pages:home")
            assert render(OURS + "{% url 'pages:statement' 7 %}") == reverse(
                "pages:statement", args=[7]
            )
            assert render(OURS + "{% url 'pages:statement' n %}", n=8) == reverse(
                "pages:statement", args=[8]
            )
    with translation.override("fa"):
        persian = render(OURS + "{% url 'pages:home' %}")
    with translation.override("en"):
        assert render(OURS + "{% url 'pages:home' %}") != persian  # /fa/ is not remembered for en


def test_as_a_variable_and_unknown_names_behave_as_djangos() -> None:
    assert (
        render(OURS + "{% url 'pages:home' as home %}[{{ home }}]") == f"[{reverse('pages:home')}]"
    )
    assert render(OURS + "{% url 'no-such-page' as missing %}[{{ missing }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render(OURS + "{% url 'no-such-page' %}")
