# carebot: `make run` starts the local demo, `make test` runs every test. Each makes its own venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## the bot on the embedded default: SQLite, local chat at http://127.0.0.1:8080
	$(BIN)/carebot demo

serve: $(STAMP)  ## the bot on ./carebot.toml (else config.example.toml)
	$(BIN)/carebot serve

test: $(STAMP)  ## every test (PostgreSQL too when CAREBOT_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check bot handlers schedules tests bench
	$(BIN)/ruff format --check bot handlers schedules bench
	$(BIN)/mypy

bench: $(STAMP)  ## benchmarks: prints a table, writes JSON to bench/results/ (a few minutes)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
