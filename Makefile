# Two commands on a fresh machine: `make demo` and `make test`. Nothing else is needed
# beyond Python 3.11+ with venv; every package is installed into .venv from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: demo test lint typecheck unit bench train fuzz i18n clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# The install compiles these with mypyc (pyproject.toml, hatch_build.py), so it is redone
# when one changes; until then digest.rank runs their sources.
COMPILED := $(wildcard hatch_build.py src/digest/rank/quotes.py src/digest/rank/text.py \
	src/digest/rank/words.py \
	src/digest/rank/features.py src/digest/rank/model.py src/digest/rank/choose.py)

$(VENV)/.installed: pyproject.toml $(COMPILED) | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(COMPILED) | $(BIN)/python
	$(PIP) install -e '.[test]'
	touch $@ $(VENV)/.installed

## demo: install, then build every edition since 2021 from the bundled sources into outbox/
demo: $(VENV)/.installed
	$(BIN)/digest build --since 2021-01-01
	@echo
	@echo "Open outbox/editions/<edition>/email.fr-nl.html in a browser; feeds are in outbox/feeds/."

## test: install with the test extras, then ruff, mypy (strict on src/) and pytest
test: lint typecheck unit

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test system-deps node_modules/.installed
	$(BIN)/pytest

## system-deps: Debian packages the tests use (PostgreSQL, Chromium, Node.js), installed when missing
system-deps:
	./scripts/system-deps

# The browser checks' npm packages (tests/browser/check.mjs), again whenever the lock file changes.
# Without npm (not root, no apt) the browser checks say they were skipped and why.
node_modules/.installed: package-lock.json | system-deps
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "no npm: the browser checks will be skipped" >&2; fi

## bench: ingestion against plain feedparser, key points against sumy, themes and scope (bench/README.md)
bench: $(VENV)/.installed-test
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/keypoints.py
	$(BIN)/python bench/themes.py
	$(BIN)/python bench/scale.py

## train: fit the key point model (digest.rank) on the OrangeSum training set, fixed seed, into
## src/digest/rank/model.json, which the package ships; the build never trains
TRAIN_CORPUS ?= ../shared/corpora/orangesum-train/train.jsonl
train: $(VENV)/.installed-test
	$(BIN)/python -m digest.rank.train $(TRAIN_CORPUS) --jobs 2 --output src/digest/rank/model.json

## fuzz: coverage-guided fuzzing (atheris) of the feed adapter and the article reader,
## FUZZ_SECONDS each; the corpus grows in fuzz/corpus/<target>/, findings land in fuzz/findings/
FUZZ_SECONDS ?= 300
FUZZ_TARGETS := feed_adapter article_reader
fuzz: $(VENV)/.installed-test
	@status=0; for target in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$target fuzz/findings/$$target; \
		echo "fuzz: $$target for $(FUZZ_SECONDS) s"; \
		$(BIN)/python fuzz/$$target.py fuzz/corpus/$$target -max_total_time=$(FUZZ_SECONDS) \
			-timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=fuzz/findings/$$target/ || status=1; \
	done; \
	echo "fuzz: findings:"; find fuzz/findings -type f ! -name '*.txt' | sort; \
	exit $$status

## i18n: extract chrome strings from src/ and templates/ and update every catalog
i18n: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k t:2 -k tn:2,3 -k N_ --no-location --sort-output \
		--omit-header -o templates/locale/digest.pot .
	$(BIN)/pybabel update -i templates/locale/digest.pot -d templates/locale -D digest \
		--ignore-obsolete --ignore-pot-creation-date

clean:
	rm -rf $(VENV) outbox/editions outbox/feeds digest.sqlite3
	find src -name "*.so" -delete
