# The two commands: `make run` (local stack with a demo shop) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock run test bench scale scale-analytics lint extensions plugin shopify-extension shopify-config browser-deps a11y-deps shopify-types-deps php-deps clean real-woocommerce messages phpcs-deps phpcs plugin-messages

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
		--extra test --extra dev --strip-extras --output-file requirements.lock pyproject.toml

run: install
	$(BIN)/python -m app.devstack.local_stack

test: install browser-deps a11y-deps shopify-types-deps php-deps phpcs-deps
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

# PHP_CodeSniffer with the WordPress standard and Plugin Check's rules, run over the plugin by
# tests/integration/test_woocommerce_phpcs.py. No Composer registry is reachable and none that is has the
# WordPress standard (Debian's php-codesniffer, 3.7.1, is also too old for it), so the pinned
# tags are unpacked into var/phpcs/ from git snapshots given like WP_GIT: PHPCS_GIT
# (PHPCSStandards/PHP_CodeSniffer), WPCS_GIT (WordPress/WordPress-Coding-Standards),
# PHPCSUTILS_GIT, PHPCSEXTRA_GIT (PHPCSStandards/PHPCSUtils, …/PHPCSExtra) and PLUGIN_CHECK_GIT
# (WordPress/plugin-check). Without them the check is skipped, saying what is missing.
PHPCS_PINS := PHPCS_GIT=3.13.4=phpcs WPCS_GIT=3.1.0=wpcs PHPCSUTILS_GIT=1.0.12=phpcsutils \
	PHPCSEXTRA_GIT=1.2.1=phpcsextra PLUGIN_CHECK_GIT=1.2.0=plugin-check
phpcs-deps:
	@for pin in $(PHPCS_PINS); do \
		var=$${pin%%=*}; ref=$$(echo $$pin | cut -d= -f2); dir=var/phpcs/$${pin##*=}; git_dir=$$(printenv $$var); \
		[ "$$(cat $$dir/.ref 2>/dev/null)" = "$$ref" ] && continue; \
		if [ -z "$$git_dir" ]; then echo "$$var not set: the plugin's PHPCS check skips what needs it"; continue; fi; \
		rm -rf $$dir && mkdir -p $$dir && git --git-dir="$$git_dir" archive "$$ref" | tar -x -C $$dir \
			&& echo $$ref > $$dir/.ref || { echo "$$var: $$ref not unpacked from $$git_dir"; rm -rf $$dir; }; \
	done

phpcs: install php-deps phpcs-deps
	$(BIN)/python -m pytest tests/integration/test_woocommerce_phpcs.py -q -rs

# axe-core (pinned in tests/a11y/package-lock.json) for the accessibility test, which
# injects it into Chromium. npm ci only when the lock file changed; without npm it is skipped.
A11Y := tests/a11y
a11y-deps:
	@command -v npm >/dev/null || { echo "npm not installed: the accessibility test will be skipped"; exit 0; }; \
		test $(A11Y)/node_modules/.package-lock.json -nt $(A11Y)/package-lock.json \
		|| (cd $(A11Y) && npm ci --no-audit --no-fund --silent)

# Shopify's own declarations of the Polaris web components (@shopify/polaris-types: a Custom
# Elements Manifest) and of App Bridge's ui-* elements (@shopify/app-bridge-types), pinned in
# tests/shopify_types/package-lock.json; the admin's Shopify markup is checked against them.
# npm ci only when the lock file changed; without npm that test is skipped.
SHOPIFY_TYPES := tests/shopify_types
shopify-types-deps:
	@command -v npm >/dev/null || { echo "npm not installed: the Shopify markup test will be skipped"; exit 0; }; \
		test $(SHOPIFY_TYPES)/node_modules/.package-lock.json -nt $(SHOPIFY_TYPES)/package-lock.json \
		|| (cd $(SHOPIFY_TYPES) && npm ci --no-audit --no-fund --silent)

bench: install browser-deps
	$(BIN)/python -m bench.run

# Cost per order at growing database sizes (PostgreSQL at SCALE_DATABASE_URL, default the local
# server's aftersales_scale, recreated): history seeded in bulk, then a sample day played through
# gunicorn and real workers at each size. JSON in var/scale/. About 21 minutes with the 1M size.
# The workers are held (SIGSTOP) while each simulated hour's webhooks are sent and let go before
# the wait, so each hour's backlog is drained in full batches whatever the machine's speed
# (bench/scale/hold.py); SCALE_TRICKLE=1 lets them drain as the webhooks trickle in (the old
# mode: batch fill, and so the SQL and Redis counts, then follow the machine's load).
# Its first stage, also alone as `make scale-analytics` (a few minutes with the 1M size): the
# analytics pages' aggregation per page at each size (SCALE_ANALYTICS_DATABASE_URL, default
# aftersales_scale_analytics, recreated per size; bench/scale/analytics.py).
SCALE_SIZES ?= 10000 100000 1000000
scale: install
	SCALE_SIZES="$(SCALE_SIZES)" $(BIN)/python -m bench.scale.run

scale-analytics: install
	SCALE_SIZES="$(SCALE_SIZES)" $(BIN)/python -m bench.scale.analytics

# End to end against a real WordPress + WooCommerce (real-woocommerce.sh, as root), when the
# two snapshots are given in WP_GIT / WC_GIT (git dirs of johnpbloch/wordpress-core and
# WP-a2z/woocommerce); skipped
# otherwise. REAL_WC_ARGS="--record tests/payloads/woocommerce/recorded" renews the recorded payloads.
real-woocommerce: install browser-deps
	$(BIN)/python -m tests.real_woocommerce.run $(REAL_WC_ARGS)

# ruff (line length enforced) over everything, then mypy over app/ and connectors/ ([tool.mypy]).
lint: install
	$(BIN)/ruff check app connectors tests bench
	$(BIN)/mypy

# Storefront code: the Shopify UI extension bundle (Preact, esbuild, size-checked) and the
# WooCommerce companion plugin as an installable zip, folder `aftersales/` at its root.
extensions: shopify-extension plugin

# The Shopify CLI app root (shopify.app.toml, shopify.web.toml, package.json whose npm
# workspaces hold the extension; one package-lock.json, packages hoisted to its node_modules).
SHOPIFY_APP := theme_blocks/shopify
SHOPIFY_EXT := $(SHOPIFY_APP)/extensions/order-status-block

# npm ci only when the lock file changed (npm writes node_modules/.package-lock.json).
$(SHOPIFY_APP)/node_modules/.package-lock.json: $(SHOPIFY_APP)/package-lock.json
	cd $(SHOPIFY_APP) && npm ci --no-audit --no-fund
	touch $@

# The bundle lands in $(SHOPIFY_EXT)/dist/; the build fails above 20 KB gzipped, and without
# AFTERSALES_API_ORIGIN (the app's public https origin, baked in as the block API's origin;
# plain http only for 127.0.0.1/localhost with AFTERSALES_DEV=1).
shopify-extension: $(SHOPIFY_APP)/node_modules/.package-lock.json
	cd $(SHOPIFY_EXT) && AFTERSALES_API_ORIGIN="$(AFTERSALES_API_ORIGIN)" AFTERSALES_DEV="$(AFTERSALES_DEV)" \
		npm run --silent build && npm run --silent size

# shopify.app.$(SHOPIFY_CONFIG).toml (git-ignored) from the template shopify.app.toml, with the
# app's client id and public URL: SHOPIFY_API_KEY=... APP_URL=https://... make shopify-config,
# then `shopify app deploy --config $(SHOPIFY_CONFIG)` (or `dev`) in $(SHOPIFY_APP).
SHOPIFY_CONFIG ?= production
shopify-config:
	$(PYTHON) $(SHOPIFY_APP)/scripts/app_config.py --name "$(SHOPIFY_CONFIG)"

# The plugin's German texts: after editing languages/aftersales-de_DE.po, compile the .mo shipped
# beside it (tests/integration/test_woocommerce_plugin_i18n.py checks every string has a German text).
PLUGIN_LANGUAGES := theme_blocks/woocommerce/aftersales/languages
plugin-messages: install
	$(BIN)/pybabel compile -l de_DE -i $(PLUGIN_LANGUAGES)/aftersales-de_DE.po -o $(PLUGIN_LANGUAGES)/aftersales-de_DE.mo

plugin:
	mkdir -p dist
	rm -f dist/aftersales-woocommerce.zip
	$(PYTHON) -m zipfile -c dist/aftersales-woocommerce.zip theme_blocks/woocommerce/aftersales
	@echo dist/aftersales-woocommerce.zip

clean:
	rm -rf $(VENV) var build dist *.egg-info $(SHOPIFY_EXT)/dist $(SHOPIFY_APP)/node_modules $(A11Y)/node_modules

# After adding or changing texts: extract every catalogue key (babel.cfg) and merge new keys
# into both catalogues as empty entries to fill in (tests/unit/test_catalogues.py fails until then).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k t -k translate:2 --no-location --sort-output -o var/messages.pot app
	$(BIN)/pybabel update -i var/messages.pot -d app/translations --no-fuzzy-matching --ignore-pot-creation-date -w 100
