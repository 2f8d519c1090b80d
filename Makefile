# The two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt requirements-embedded.txt
ARGS ?=

.PHONY: run test bench venv chromium check lint types vendor clean

run: $(STAMP)
	$(PY) -m ltc.launcher run

test: $(STAMP) chromium
	$(PY) -m ltc.launcher test $(ARGS)

# The benchmark (bench/run.py): its own database, the user paths timed; figures in bench/results.json.
bench: $(STAMP)
	$(PY) -m ltc.launcher bench $(ARGS)

venv: $(STAMP)

$(STAMP): $(REQUIREMENTS)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check $(foreach f,$(REQUIREMENTS),-r $(f))
	@touch $(STAMP)

# Browser tests drive Debian's Chromium (never a downloaded browser); a CJK font makes Chinese pages legible
# in screenshots. Installed when missing and allowed (root or passwordless sudo); otherwise those tests skip.
chromium:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk'; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else \
		echo "chromium or a CJK font is missing and cannot be installed here; browser tests will be skipped"; exit 0; fi; \
	$$SUDO apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium fonts-wqy-microhei >/dev/null; } || \
	echo "could not install chromium; browser tests will be skipped"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: $(STAMP)
	$(VENV)/bin/mypy .

check: lint types test

# Re-fetch the pinned front-end files from the npm registry (see scripts/vendor_static.py).
vendor: $(STAMP)
	$(PY) scripts/vendor_static.py

# Removes the embedded servers' data (the demo database). Stop `make run` first.
clean:
	rm -rf .data staticfiles
