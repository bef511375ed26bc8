# StarService — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= 1

.PHONY: run test lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

messages: $(VENV)/.installed
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

run: messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo
	@echo "StarService on http://127.0.0.1:$(PORT)/ (Celery runs eagerly: no Redis needed)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: messages lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v 0
	$(BIN)/pytest -p no:cacheprovider

bench: messages
	$(BIN)/python -m bench --scale $(SCALE)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
