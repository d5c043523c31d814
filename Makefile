# The two commands: `make run` (local stack with a demo shop) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock run test bench scale lint extensions plugin shopify-extension browser-deps a11y-deps php-deps clean real-woocommerce messages

install: $(STAMP)

# Dependencies come from requirements.lock (exact versions, every file's hash checked);
# the project itself is then installed on top without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: re-pin them, with hashes.
lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--extra test --strip-extras --output-file requirements.lock pyproject.toml

run: install
	$(BIN)/python -m app.local_stack

test: install browser-deps a11y-deps php-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests and the bench's admin vitals drive Debian's chromium (Playwright uses it
# as the system browser; no `playwright install`). Installed only when missing; failure only
# skips them.
CHROMIUM ?= /usr/bin/chromium
browser-deps:
	@test -x $(CHROMIUM) || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium not installed: the browser test will be skipped"

# The companion plugin's tests run its PHP with Debian's php-cli; installed only when
# missing, failure only skips them.
php-deps:
	@command -v php >/dev/null || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq php-cli >/dev/null) \
		|| echo "php-cli not installed: the plugin tests will be skipped"

# axe-core (pinned in tests/a11y/package-lock.json) for the accessibility test, which
# injects it into Chromium. npm ci only when the lock file changed; without npm it is skipped.
A11Y := tests/a11y
a11y-deps:
	@command -v npm >/dev/null || { echo "npm not installed: the accessibility test will be skipped"; exit 0; }; \
		test $(A11Y)/node_modules/.package-lock.json -nt $(A11Y)/package-lock.json \
		|| (cd $(A11Y) && npm ci --no-audit --no-fund --silent)

bench: install browser-deps
	$(BIN)/python -m tests.bench.run

# Cost per order at growing database sizes (PostgreSQL at SCALE_DATABASE_URL, default the local
# server's aftersales_scale, recreated): history seeded in bulk, then a sample day played through
# gunicorn and real workers at each size. JSON in var/scale/. About 21 minutes with the 1M size.
SCALE_SIZES ?= 10000 100000 1000000
scale: install
	SCALE_SIZES="$(SCALE_SIZES)" $(BIN)/python -m tests.scale.run

# End to end against a real WordPress + WooCommerce (real-woocommerce.sh, as root), when the
# two snapshots are given in WP_GIT / WC_GIT (or fetched under /work/.mirror/); skipped
# otherwise. REAL_WC_ARGS="--record tests/payloads/woocommerce/recorded" renews the recorded payloads.
real-woocommerce: install
	$(BIN)/python -m tests.real_woocommerce.run $(REAL_WC_ARGS)

lint: install
	$(BIN)/ruff check app connectors tests

# Storefront code: the Shopify UI extension bundle (Preact, esbuild, size-checked) and the
# WooCommerce companion plugin as an installable zip, folder `aftersales/` at its root.
extensions: shopify-extension plugin

SHOPIFY_EXT := theme_blocks/shopify/extensions/order-status-block

# npm ci only when the lock file changed (npm writes node_modules/.package-lock.json).
$(SHOPIFY_EXT)/node_modules/.package-lock.json: $(SHOPIFY_EXT)/package-lock.json
	cd $(SHOPIFY_EXT) && npm ci --no-audit --no-fund
	touch $@

# The bundle lands in $(SHOPIFY_EXT)/dist/; the build fails above 20 KB gzipped.
shopify-extension: $(SHOPIFY_EXT)/node_modules/.package-lock.json
	cd $(SHOPIFY_EXT) && npm run --silent build && npm run --silent size

plugin:
	mkdir -p dist
	rm -f dist/aftersales-woocommerce.zip
	$(PYTHON) -m zipfile -c dist/aftersales-woocommerce.zip theme_blocks/woocommerce/aftersales
	@echo dist/aftersales-woocommerce.zip

clean:
	rm -rf $(VENV) var build dist *.egg-info $(SHOPIFY_EXT)/dist $(SHOPIFY_EXT)/node_modules $(A11Y)/node_modules

# After adding or changing texts: extract every catalogue key (babel.cfg) and merge new keys
# into both catalogues as empty entries to fill in (tests/test_catalogues.py fails until then).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k t -k translate:2 --no-location --sort-output -o var/messages.pot app
	$(BIN)/pybabel update -i var/messages.pot -d app/translations --no-fuzzy-matching --ignore-pot-creation-date -w 100
