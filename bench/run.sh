#!/usr/bin/env bash
# The case engine's benchmark: seed N bundles (default 1,000,000) into a fresh PostgreSQL database,
# serve the portal with gunicorn as in production, and measure with wrk
#   1. filing bundles through POST /api/v1/bundles/ with 16 concurrent clients,
#   2. the officer queue GET /api/v1/queue/ with 50 concurrent clients,
#   3. the queue's SQL query count for a page of 1 and of 50 rows,
#   4. the pages: the clerk's home /clerk/ and the officer's queue /queue/, 20 browsers each
#      (signed-in sessions), and their query counts for 1 and 50 rows.
# Needs the machine's PostgreSQL and Redis (as CI); installs wrk from Debian if missing.
# Usage: bench/run.sh [bundles] [seconds per measurement]; REUSE_DATABASE=1 skips the seeding;
# MEASURE="filing queue pages" (the default) chooses the measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLES=${1:-1000000}
SECONDS_EACH=${2:-30}
MEASURE=" ${MEASURE:-filing queue pages} "
DB=lienthong_bench
OUT=var/bench
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
make -s .venv/bin/.installed

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" CELERY_BROKER_URL="redis://127.0.0.1:6379/13"
export SECRET_KEY=bench-only DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_COOKIES=false LOG_LEVEL=WARNING
export PUBLIC_BASE_URL=http://127.0.0.1:8000
PY=.venv/bin/python

if [ -z "${REUSE_DATABASE:-}" ]; then  # REUSE_DATABASE=1 measures again without seeding again
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
  createdb -h 127.0.0.1 -U postgres "$DB"
fi
$PY manage.py migrate -v 0
$PY manage.py load_reference_data -v 0
$PY manage.py collectstatic --noinput -v 0
TOKENS=$($PY bench/prepare.py)
[ -n "${REUSE_DATABASE:-}" ] || $PY bench/seed.py "$BUNDLES" | tee "$OUT/seed.txt"
psql -h 127.0.0.1 -U postgres "$DB" -qc "VACUUM ANALYZE cases_bundle" -c "VACUUM ANALYZE cases_step"
redis-cli -n 13 flushdb >/dev/null

.venv/bin/gunicorn portal.wsgi:application --bind 127.0.0.1:8010 --workers 5 \
  --log-level warning > "$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf http://127.0.0.1:8010/healthz >/dev/null && break; sleep 1; done

token() { $PY -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$TOKENS" "$1"; }
if [[ $MEASURE == *" filing "* ]]; then
  BEFORE=$($PY manage.py shell -v 0 -c "from cases.models import Bundle; print(Bundle.objects.count())")
  TOKEN=$(token bench.integration) BIRTH_DATE=$(date -d "-10 days" +%F) RUN_ID=$(date +%s) \
    wrk -t4 -c16 -d"${SECONDS_EACH}s" --timeout 10s -s bench/create.lua http://127.0.0.1:8010 | tee "$OUT/create.txt"
  AFTER=$($PY manage.py shell -v 0 -c "from cases.models import Bundle; print(Bundle.objects.count())")
  echo "RESULT created=$((AFTER - BEFORE))" | tee -a "$OUT/create.txt"
fi
if [[ $MEASURE == *" queue "* ]]; then
  TOKEN=$(token bench.officer) PATH_UNDER_TEST=/api/v1/queue/ \
    wrk -t4 -c50 -d"${SECONDS_EACH}s" --timeout 10s -s bench/get.lua http://127.0.0.1:8010 | tee "$OUT/queue.txt"
fi
if [[ $MEASURE == *" pages "* ]]; then
  for page in clerk:/clerk/ officer:/queue/; do
    SESSION=$(token "bench.${page%%:*}.session") PATH_UNDER_TEST=${page#*:} \
      wrk -t4 -c20 -d"${SECONDS_EACH}s" --timeout 10s -s bench/get.lua http://127.0.0.1:8010 | tee "$OUT/page-${page%%:*}.txt"
  done
fi
$PY bench/queries.py | tee "$OUT/queries.txt"
$PY manage.py shell -v 0 -c "from cases.models import Bundle, Step; print('RESULT bundles=%d steps=%d' % (Bundle.objects.count(), Step.objects.count()))" | tee "$OUT/size.txt"
