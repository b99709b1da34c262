# `make run` starts the console, `make test` runs the suite; both set up what they need first.
SHELL := /bin/bash
# One venv per Python: `make test` uses .venv (python3); `make test PYTHON=python3.12` builds and
# uses .venv-3.12, so the suite runs on each supported Python (3.11 to 3.13) side by side.
PYTHON ?= python3
# The interpreter $(PYTHON) runs as, asked of itself (so `python3` is the one on PATH, 3.11 here).
# A pyenv shim (python3.12) answers only for the versions pyenv has selected: then ask pyenv for
# the real interpreter among all it has installed. (Asking pyenv first would give `python3` from
# the oldest installed version.)
PYTHON_PATH := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null || \
	PYENV_VERSION=$$(pyenv versions --bare 2>/dev/null | tr '\n' ':') pyenv which $(PYTHON) 2>/dev/null)
ifeq ($(origin PYTHON),command line)
VENV := .venv-$(shell $(PYTHON_PATH) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
else
VENV := .venv
endif
BIN := $(VENV)/bin
# Debian packages: the virtual speaker (PulseAudio + its ALSA bridge), headers to build
# simpleaudio, and PortAudio for the sounddevice backend.
APT_PACKAGES := pulseaudio pulseaudio-utils libasound2-plugins libasound2-dev libportaudio2

.PHONY: setup system-packages run serve test lint lock clean conformance

setup: system-packages $(VENV)/.installed

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:" $$missing; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages: $$missing"; \
	    echo "Run: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

# requirements.lock pins every package the suite was run with (uv pip compile --universal: one file
# for 3.11 to 3.13), so a fresh clone and CI install the same set. pip reads it as constraints: a
# dependency added to pyproject.toml but not yet locked still installs (unpinned), and without the
# file `make setup` installs from pyproject.toml alone. `make lock` writes it again.
LOCK := requirements.lock

$(VENV)/.installed: pyproject.toml $(wildcard $(LOCK))
	@test -n "$(PYTHON_PATH)" || { echo "no $(PYTHON) found (PYTHON=python3.12 needs that interpreter)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON_PATH) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# The archived simpleaudio (same import name) crashes on 3.12+: simpleaudio-patched replaces it.
	@$(BIN)/python -m pip uninstall -q -y simpleaudio 2>/dev/null || true
	$(BIN)/python -m pip install -q -e '.[test,simpleaudio]' $(if $(wildcard $(LOCK)),-c $(LOCK))
	@touch $@

# uv resolves for every supported Python at once; it lives in its own venv, used for this only.
lock:
	@test -x .venv-uv/bin/uv || { $(PYTHON_PATH) -m venv .venv-uv && .venv-uv/bin/python -m pip install -q uv; }
	.venv-uv/bin/uv pip compile pyproject.toml --extra test --extra simpleaudio --universal --python-version 3.11 \
	  --quiet -o $(LOCK)

run: setup
	$(BIN)/switchboard $(ARGS)

serve: setup
	$(BIN)/switchboard serve $(ARGS)

test: setup lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The architecture and the code's hygiene, checked before the suite: the layer contracts in
# pyproject.toml ([tool.importlinter]), ruff's lint ([tool.ruff]), mypy ([tool.mypy]).
lint: setup
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check tui tests bench conformance recordings
	$(BIN)/ruff format --check tui tests bench conformance recordings
	$(BIN)/mypy

# Real clients (pipecat, LiveKit's plugins, the ElevenLabs SDK) against the local server, in their own
# environment so their dependencies never touch .venv; not part of `make test` (conformance/README.md).
CONFORMANCE_VENV := .venv-conformance

conformance: setup $(CONFORMANCE_VENV)/.installed conformance/node/node_modules/.installed
	$(CONFORMANCE_VENV)/bin/python -m conformance.run $(CONFORMANCE_ARGS)

$(CONFORMANCE_VENV)/.installed: conformance/requirements.txt conformance/constraints.txt
	@test -x $(CONFORMANCE_VENV)/bin/python || $(PYTHON_PATH) -m venv $(CONFORMANCE_VENV)
	$(CONFORMANCE_VENV)/bin/python -m pip install -q --upgrade pip
	$(CONFORMANCE_VENV)/bin/python -m pip install -q -r conformance/requirements.txt -c conformance/constraints.txt
	@touch $@

# LiveKit's Node agents plugin, pinned by package-lock.json; without npm the suite skips it (says so).
conformance/node/node_modules/.installed: conformance/node/package.json conformance/node/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd conformance/node && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the Node client will be skipped"; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
