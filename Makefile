# The two commands of README.md: `make run` starts SelfCare, `make test` runs the tests.
# Both install what they need first (scripts/bootstrap) and can be re-run.
.PHONY: run test lint check-deploy lock bootstrap

bootstrap:
	@scripts/bootstrap

run: bootstrap
	scripts/run-embedded

test: bootstrap
	.venv/bin/pytest $(PYTEST_ARGS)

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .
	.venv/bin/lint-imports

# Re-pin every dependency to what the current .venv holds.
lock:
	.venv/bin/pip freeze --exclude-editable | grep -iv '^selfcare' > requirements.lock
