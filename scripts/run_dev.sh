#!/usr/bin/env bash
# Serves http://127.0.0.1:8000 with a Celery worker and beat beside it, on the embedded default
# (SQLite and a file-system broker: no server to install). Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/celery/broker var/celery/processed var/celery/results var/media
trap 'kill 0 2>/dev/null' EXIT INT TERM
.venv/bin/celery -A nmt_cert worker --beat --loglevel=INFO --pool=solo --without-gossip --without-mingle \
  > var/celery.log 2>&1 &
echo "Celery worker and beat running (log: var/celery.log)."
echo
echo "nmt-cert is starting at http://127.0.0.1:8000 — demo accounts are listed in README.md."
echo "Two-factor codes for the staff and admin demo accounts: .venv/bin/python manage.py demo_totp"
echo
.venv/bin/python manage.py runserver 127.0.0.1:8000
