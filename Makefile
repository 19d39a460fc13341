# Mutua: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test test-sqlite test-postgres lint bench bench-quick bench-routes worker serve migrate messages

$(STAMP): pyproject.toml
	@test -x $(PY) || $(shell command -v $(PYTHON) || echo python3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@# Compile the route search once (Numba caches it beside the code), not during a plan.
	$(PY) -c "from mutua.deliveries.fleet import compile_ahead; compile_ahead()"
	touch $(STAMP)

staticfiles: $(STAMP) $(wildcard mutua/static/*/*)
	MUTUA_TESTING=1 $(PY) manage.py collectstatic --noinput -v0
	touch staticfiles

install: $(STAMP) staticfiles

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

# DEBUG for all three commands: the demo data is encrypted with the development key, which is
# refused with DEBUG off. The worker's output stays visible: it prints the emails (sign-in codes).
demo: export MUTUA_DEBUG ?= 1
demo: export MUTUA_SITE_URL ?= http://127.0.0.1:$(PORT)
demo: migrate
	$(PY) manage.py load_demo
	@echo "Serving Mutua at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it; a background worker runs alongside)"
	$(PY) manage.py db_worker --interval 1 & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

serve: migrate
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: install
	$(PY) manage.py db_worker

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy mutua bench

test: install
	bash scripts/test.sh

bench: install
	$(PY) -m bench.run

bench-quick: install
	$(PY) -m bench.run --quick

bench-routes: install
	$(PY) -m bench.run --routes-all

# Spanish catalogue: pick up new strings, then translate them in mutua/locale/es/.../django.po
# (no empty or fuzzy entries: mutua/members/tests/test_translations.py checks) and compile.
# Commit the .po and the .mo: the .mo lets `make demo` run without gettext installed.
messages: install
	$(PY) manage.py makemessages -l es --ignore=.venv --ignore=staticfiles --ignore=bench \
		-d django --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv
