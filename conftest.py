"""What the docstring examples of inference/ and training/ use without defining it (pytest's ``doctest_namespace``):
``tokenizer``, the real MiniLM tokenizer, offline. The tests' own fixtures are in tests/conftest.py."""

import pytest


@pytest.fixture(autouse=True)
def doctest_names(request):
    if isinstance(request.node, pytest.DoctestItem):
        from tests.conftest import load_tokenizer

        request.getfixturevalue("doctest_namespace")["tokenizer"] = load_tokenizer()
