# Two entry points: `make run` and `make test`. Both install whatever is missing first.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export VENV

.PHONY: setup services run test lint bench

setup:
	@deploy/dev/bootstrap.sh

services: setup
	@deploy/dev/services.sh start

run: setup
	@$(BIN)/kiosk run --auto

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: services lint
	$(BIN)/python -m pytest

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
