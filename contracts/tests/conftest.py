# Messages are asserted word for word, in English (the leads tests' fixture).
from leads.tests.conftest import _english  # noqa: F401
