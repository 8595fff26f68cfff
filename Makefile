# Two entry points: `make run` and `make test`. Both install whatever is missing first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export VENV

.PHONY: setup setup-run services run test lint bench

# development: what running, testing and benchmarking need (deploy/dev/apt-packages*.txt, the dev extra)
setup:
	@deploy/dev/bootstrap.sh

# running only: no test tools, database server, browser or web server
setup-run:
	@deploy/dev/bootstrap.sh run

services: setup
	@deploy/dev/services.sh start

run: setup-run
	@$(BIN)/kiosk run --auto

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: services lint
	$(BIN)/python -m pytest

# The bench extra adds what only the benchmarks compare: pyzbar, and OpenCV's contrib build (the WeChat detector),
# which replaces opencv-python-headless (both install the cv2 module, so only one may be installed at a time).
bench: services
	@$(BIN)/python -m pip uninstall -q -y opencv-python-headless
	@$(BIN)/python -m pip install -q --force-reinstall --no-deps 'opencv-contrib-python-headless>=4.10'  # as in [bench]
	@$(BIN)/python -m pip install -q -e '.[bench]'
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
