# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DEMO_PASSWORD ?= lienthong-demo
HOST ?= 127.0.0.1
PORT ?= 8000
IDP_PORT ?= 8001
PKI_PORT ?= 8002
# The development identity provider (idp/): its own settings, database and process.
IDP := DJANGO_SETTINGS_MODULE=idp.settings IDP_ISSUER=http://127.0.0.1:$(IDP_PORT)/o $(BIN)/python -m django

.PHONY: run run-addresses test fuzz faults system-packages-run system-packages-test lint typecheck deploy-check security audit pytest messages graphs lock clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

# The Debian packages each command needs (bin/system-packages: installed when root with apt-get,
# else one line saying what to install). Listed first among the prerequisites: the venv needs them.
system-packages-run system-packages-test: system-packages-%:
	@PYTHON=$(PYTHON) bin/system-packages $*

## run: install, migrate, load reference and demo data, start the portal on http://127.0.0.1:8000
## and the development identity provider (citizens' e-ID sign-in) on http://127.0.0.1:8001
## (HOST, PORT, IDP_PORT and PKI_PORT move them: `make run PORT=9000 IDP_PORT=9001 PKI_PORT=9002`)
run run-addresses: export DEBUG ?= true
run run-addresses: export OIDC_ISSUER ?= http://127.0.0.1:$(IDP_PORT)/o
# The links printed on receipts, QR codes and e-mails, and the demo timestamp authority, follow the
# ports given (portal/settings.py: PUBLIC_BASE_URL and SIGNING_TSA_URL, when neither is set).
run run-addresses: export DEV_BASE_URL = http://$(HOST):$(PORT)
run run-addresses: export DEV_TSA_URL = http://127.0.0.1:$(PKI_PORT)/demo/tsa/tsa
run: system-packages-run $(BIN)/.installed run-addresses
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_reference_data
	@echo "Demo accounts (password: $(DEMO_PASSWORD)):"
	@$(MANAGE) seed_demo --password "$(DEMO_PASSWORD)"
	@$(MANAGE) seed_demo_dossiers
	@echo "Demo health facility and its signed notices (API client password: $(DEMO_PASSWORD)):"
	@$(MANAGE) seed_demo_notices --password "$(DEMO_PASSWORD)"
	@$(MANAGE) demo_pki --port $(PKI_PORT)
	@$(IDP) migrate -v 0
	@echo "Demo citizens at the development identity provider (password: $(DEMO_PASSWORD)):"
	@$(IDP) seed_idp --password "$(DEMO_PASSWORD)" \
	  --redirect-uri http://$(HOST):$(PORT)/oidc/callback/ --redirect-uri http://localhost:$(PORT)/oidc/callback/
	@trap 'kill 0' EXIT INT TERM; \
	$(IDP) runserver 127.0.0.1:$(IDP_PORT) --noreload & \
	(cd var/signing/demo-pki && $(CURDIR)/$(BIN)/python -m certomancer --config certomancer.yml animate --port $(PKI_PORT)) & \
	if [ "$$($(MANAGE) shell -v 0 -c 'from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)')" = "False" ]; then \
	  echo "Broker configured: starting a Celery worker and beat beside the server."; \
	  $(BIN)/celery -A portal worker --loglevel=INFO --concurrency=2 & \
	  $(BIN)/celery -A portal beat --loglevel=INFO & \
	  $(MANAGE) runserver $(HOST):$(PORT); \
	else \
	  echo "No broker configured: tasks run in-process."; \
	  $(MANAGE) runserver $(HOST):$(PORT); \
	fi

## run-addresses: the addresses `make run` (with the same variables) serves and prints in its links
run-addresses: $(BIN)/.installed
	@$(MANAGE) shell -v 0 -c 'from django.conf import settings as s; \
	print(f"Portal and its links: {s.PUBLIC_BASE_URL} · e-ID: {s.OIDC_ISSUER} · timestamps: {s.SIGNING_TSA_URL}")'

## test: lint, type-check and run the whole test suite (SQLite unless DATABASE_URL is set)
test: export SECRET_KEY ?= insecure-key-for-tests-only
test: system-packages-test $(BIN)/.installed lint typecheck deploy-check security pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# mypy's Django plugin imports the settings: the embedded default spares it a database and a broker.
typecheck: export EMBEDDED ?= true
typecheck: $(BIN)/.installed
	$(BIN)/mypy .

# deploy-check: Django's deployment checks with a production-like environment (DEBUG off, a long
# random key, a named host, an https address, a PostgreSQL database and a Redis broker, neither
# reached by the checks, every other setting at its default): 0 warnings.
deploy-check: $(BIN)/.installed
	env -i PATH="$$PATH" ENV_FILE=/dev/null DEBUG=false ALLOWED_HOSTS=portal.example.gov.vn \
	  PUBLIC_BASE_URL=https://portal.example.gov.vn SIGNING_TSA_URL=https://tsa.example.gov.vn/tsa \
	  DATABASE_URL=postgres://lienthong@db.example.gov.vn:5432/lienthong \
	  CELERY_BROKER_URL=redis://redis.example.gov.vn:6379/0 \
	  SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  $(MANAGE) check --deploy --fail-level WARNING

# security: bandit on the apps (settings in pyproject.toml, [tool.bandit]); fails on any finding
# of medium or high severity. A silenced finding says why beside its `# nosec`.
security: $(BIN)/.installed
	$(BIN)/bandit -c pyproject.toml -r agencies cases citizens health signing reporting portal idp --severity-level medium --quiet

## audit: known vulnerabilities in the locked dependencies (pip-audit against requirements.lock).
## Needs the advisory database (PyPI's JSON API and OSV) over the network: it cannot run on our
## machines, which reach only the package indexes, so neither `make test` nor CI calls it. Run it
## where the advisory data is reachable, before each release.
audit: $(BIN)/.installed
	$(BIN)/pip-audit --requirement requirements.lock --strict --no-deps --disable-pip --progress-spinner off

# axe-core, the accessibility engine the browser tests inject, and oidc-provider, the OpenID
# provider of the e-ID sign-in tests (package.json, pinned by package-lock.json): `npm ci` when
# node_modules is missing or older than the lock. Without npm (optional for `make test`, required
# by CI) those tests skip and say why.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not installed: the accessibility and node-oidc-provider tests will be skipped (apt-get install npm)"; fi

pytest: $(BIN)/.installed node_modules/.installed
	$(BIN)/pytest --ignore=tests/faults $(PYTEST_ARGS)

## fuzz: schemathesis against a live server on /api/schema/: every check, fixed seed, bounded budget;
## fails on any server error or schema violation (fuzz/run.py; DATABASE_URL's server, else SQLite)
fuzz: system-packages-test $(BIN)/.installed
	$(BIN)/python fuzz/run.py

## faults: the faults of issues 11 and 15 against real processes (gunicorn, Celery worker and beat, a
## Redis and PostgreSQL databases of their own; tests/faults): needs DATABASE_URL's PostgreSQL
faults: export SECRET_KEY ?= insecure-key-for-tests-only
faults: system-packages-test $(BIN)/.installed
	RUN_FAULTS=1 $(BIN)/pytest tests/faults -p no:cacheprovider -s -q $(PYTEST_ARGS)

## messages: refresh the Vietnamese catalogue after changing user-facing strings (needs gettext)
messages: export DEBUG ?= true
messages: $(BIN)/.installed
	$(MANAGE) makemessages -l vi --ignore=.venv --ignore=tests --ignore=node_modules --no-obsolete --add-location=file
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

## graphs: draw the bundle and step state machines from the code into docs/ (needs Debian's graphviz)
graphs: export DEBUG ?= true
graphs: $(BIN)/.installed
	$(MANAGE) graph_transitions cases.Bundle.state > docs/bundle-states.dot
	$(MANAGE) graph_transitions cases.Step.state > docs/step-states.dot
	dot -Tsvg docs/bundle-states.dot -o docs/bundle-states.svg
	dot -Tsvg docs/step-states.dot -o docs/step-states.svg

## lock: record the exact versions installed, after changing dependencies in pyproject.toml
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^polib==' > requirements.lock

clean:
	rm -rf $(VENV) node_modules var db.sqlite3 .mypy_cache .ruff_cache .pytest_cache
