# The two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15
# The PostgreSQL pass's own Redis database, so that the two passes can run at once (.ci/run).
TEST_REDIS_URL_POSTGRES ?= redis://127.0.0.1:6379/14
BENCH_POSTGRES    ?= postgres://postgres@127.0.0.1:5432/postgres
# pytest-xdist workers for the two test passes (0: none). The demo city's tests all run on one of
# them, which builds the city once (the scheduler in src/littlebee/conftest.py).
PYTEST_WORKERS    ?= 2
PYTEST            := $(BIN)/pytest -n $(PYTEST_WORKERS)
# The demo city, built once per `make test` and read by both passes (src/littlebee/demo/tests/prebuilt.py):
# a directory of this make's own, so a pass never reads an earlier run's city. The passes get it
# only with USE_TEST_CITY=1 (`make test` and .ci/run set it and make test-city beside them; their
# first city test waits for it); `make test-sqlite` alone builds the city in the process.
TEST_CITY         := $(CURDIR)/var/test-city/$(shell date +%s%N)
CITY_FOR_TESTS     = $(if $(USE_TEST_CITY),LITTLEBEE_TEST_CITY=$(TEST_CITY))

.PHONY: run test lint typecheck migrations-check test-city test-warm test-sqlite test-postgres messages bench bench-ab clean

# This machine's environment sets PYTHONDONTWRITEBYTECODE: then every test process (two passes,
# two xdist workers each, the city build, the server and worker processes some tests start)
# compiled the project and rewrote every test module's asserts again; collecting the suite cost
# 18 s of CPU per process instead of 7 s with the bytecode kept (__pycache__ is git-ignored).
unexport PYTHONDONTWRITEBYTECODE

# The environment is installed by uv when PyPI gives it, by pip otherwise: on a fresh clone here pip
# took 127 s of wall (81 s of CPU, most of it compiling every installed module, used or not) for the
# same versions uv installs in 17 s (10 s of CPU); a test process compiles what it imports, once.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'uv>=0.9,<1' || $(BIN)/pip install --quiet --upgrade pip

INSTALL = if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install --quiet --python $(BIN)/python $(1); \
	else $(BIN)/pip install --quiet $(1); fi

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(call INSTALL,-e .)
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(call INSTALL,-e '.[dev]')
	touch $@ $(VENV)/.run-deps

# Front-end libraries from the npm registry, pinned by package-lock.json. npm when the machine has
# it; otherwise the same tarballs, checked against the lock file, fetched by a Python script.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else $(PYTHON) scripts/npm_fetch.py; fi
	touch $@

run: $(VENV)/.run-deps node_modules/.installed
	$(BIN)/littlebee migrate --noinput -v0
	$(BIN)/littlebee collectstatic --noinput -v0
	$(BIN)/littlebee demo_load --print-accounts
	@echo ""
	@echo "  Little Bee is serving at http://$(HOST):$(PORT)/  (staff console /staff/, API docs /api/docs)"
	@echo ""
	$(BIN)/gunicorn littlebee.wsgi:application -c python:littlebee.gunicorn_conf --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --forwarded-allow-ips 127.0.0.1

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

typecheck: $(VENV)/.dev-deps
	$(BIN)/mypy src

migrations-check: $(VENV)/.dev-deps
	$(BIN)/littlebee makemigrations --check --dry-run

test-city: $(VENV)/.dev-deps
	@find $(dir $(TEST_CITY)) -mindepth 1 -maxdepth 1 -mmin +720 -exec rm -rf {} + 2>/dev/null || true
	env -u DATABASE_URL $(BIN)/python scripts/test_city.py $(TEST_CITY)

# One process compiles the project and pytest's rewritten test modules into __pycache__ before
# the passes start: their four xdist workers would otherwise each compile all of it at once (on a
# fresh clone a worker's collection cost 20 s of CPU cold, 6 s warm; 3,150 tests). Only when the
# passes run beside each other (USE_TEST_CITY: `make test`, .ci/run); a lone pass doesn't wait.
test-warm: $(VENV)/.dev-deps
	env -u DATABASE_URL $(BIN)/pytest -p no:xdist --collect-only -q > /dev/null

WARM_FIRST = $(if $(USE_TEST_CITY),test-warm)

test-sqlite: $(VENV)/.dev-deps node_modules/.installed $(WARM_FIRST)
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL TEST_REDIS_URL=$(TEST_REDIS_URL) TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(CITY_FOR_TESTS) $(PYTEST)

test-postgres: $(VENV)/.dev-deps node_modules/.installed $(WARM_FIRST)
	@if $(BIN)/python scripts/reachable.py postgres "$(TEST_DATABASE_URL)"; then \
		echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
		DATABASE_URL=$(TEST_DATABASE_URL) TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL_POSTGRES) \
			$(CITY_FOR_TESTS) $(PYTEST); \
	elif [ -n "$$LITTLEBEE_REQUIRE_SERVICES" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable, and LITTLEBEE_REQUIRE_SERVICES demands it."; exit 1; \
	else \
		echo "SKIPPED: the PostgreSQL run, because no PostgreSQL answers at $(TEST_DATABASE_URL) (set TEST_DATABASE_URL)."; \
	fi

# One after another here; .ci/run runs the four long ones at once (`make -j4 --output-sync`).
test: lint typecheck migrations-check test-city test-warm test-sqlite test-postgres
test: USE_TEST_CITY = 1

messages: $(VENV)/.dev-deps
	cd src/littlebee && DJANGO_SETTINGS_MODULE= ../../$(BIN)/python -m django makemessages -l en --no-obsolete \
		--no-location --ignore 'tests/*' --ignore '*/tests/*' --ignore conftest.py
	cd src/littlebee && DJANGO_SETTINGS_MODULE= ../../$(BIN)/python -m django compilemessages

# The product's API against a bare Django baseline under wrk (bench/ab/run.py; README "Benchmarks").
# BENCH_AB_ARGS=--quick for a smoke test; --help for the rest.
bench-ab: $(VENV)/.run-deps
	$(BIN)/python bench/ab/run.py --postgres $(BENCH_POSTGRES) $(BENCH_AB_ARGS)

clean:
	rm -rf $(VENV) var node_modules
