import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted word for word, in English; the Chinese ones are the catalogue's business.
    with translation.override("en"):
        yield
