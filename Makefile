# The two commands: `make run` (local stack with a demo shop) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint extensions plugin shopify-extension clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/python -m app.local_stack

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m tests.bench.run

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
	rm -rf $(VENV) var build dist *.egg-info $(SHOPIFY_EXT)/dist $(SHOPIFY_EXT)/node_modules
