# The sales floor of the leads tests (two regional teams, reps of each level, a manager) serves conversion too.
from leads.tests.conftest import _english, sales  # noqa: F401
