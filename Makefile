# The two commands of README.md: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
DEMO_ENV := DEBUG=1 ZC_DEMO=1 ZC_TODAY=2026-09-22
DEMO_PORT ?= 8000

.PHONY: install demo test lint
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

demo: install
	mkdir -p var
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_demo
	$(DEMO_ENV) $(PY) manage.py make_signing_cert
	@echo "演示站点：http://127.0.0.1:$(DEMO_PORT)/ （Ctrl-C 停止网站和后台任务进程）"
	@$(DEMO_ENV) $(VENV)/bin/celery -A config worker -B --pool=solo --loglevel=info \
		--scheduler django_celery_beat.schedulers:DatabaseScheduler & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker; exit 0' INT TERM; \
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(DEMO_PORT); \
	kill -TERM $$worker 2>/dev/null; wait $$worker

test: install
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
