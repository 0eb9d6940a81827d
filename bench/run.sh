#!/usr/bin/env bash
# The speed targets of issue 16, each beside its floor from the same run (docs/benchmarks.md).
# Seeds N bundles (default 1,000,000) into a fresh PostgreSQL database, then
#   cpu:   CPU per request in-process for filing, the API queue and the two list pages, each beside
#          the framework's floor for it (bench/cpu.py, bench/floors.py), and their SQL statements;
#   wrk:   requests per second under wrk, the same server and concurrency for a path and its floor:
#          filing against the bare 3-insert endpoint (16 clients), the API queue against the bare
#          50-row list (50 clients);
#   mixed: a working day's load with think time (bench/mixed.py), through nginx as in production:
#          200 officers opening their queue every ~5 s, 40 clerks filing every ~10 s, 10 provincial
#          staff on the dashboard every ~10 s; p95 and errors per kind of request;
#   sql:   the queue's and pages' SQL statement counts for 1 row and for 50;
#   counts: the desk's counts for a commune of 1,000 dossiers and of 100,000 (bench/counts.py, its own
#          database).
# The server is gunicorn as in production (bench/wsgi.py adds the floors' URLs); needs the machine's
# PostgreSQL and Redis (as CI); installs wrk from Debian if missing.
# Usage: bench/run.sh [bundles] [seconds per wrk measurement]; REUSE_DATABASE=1 skips the seeding;
# MEASURE="cpu wrk mixed sql counts" (the default) chooses the measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLES=${1:-1000000}
SECONDS_EACH=${2:-30}
MEASURE=" ${MEASURE:-cpu wrk mixed sql counts} "
DB=${BENCH_DATABASE:-lienthong_bench}
OUT=var/bench
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light; }
make -s .venv/bin/.installed

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" CELERY_BROKER_URL="redis://127.0.0.1:6379/13"
export SECRET_KEY=bench-only DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_COOKIES=false SECURE_SSL_REDIRECT=false
export LOG_LEVEL=WARNING PUBLIC_BASE_URL=http://127.0.0.1:8000 SIGNING_TSA_URL=http://127.0.0.1:9/
export CACHE_URL=redis://127.0.0.1:6379/14  # shared by the workers, as in docker-compose.yml
PY=.venv/bin/python

if [ -z "${REUSE_DATABASE:-}" ]; then  # REUSE_DATABASE=1 measures again without seeding again
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
  createdb -h 127.0.0.1 -U postgres "$DB"
fi
$PY manage.py migrate -v 0
$PY manage.py load_reference_data -v 0
$PY manage.py collectstatic --noinput -v 0
BENCH_TOKENS=$($PY bench/prepare.py)
export BENCH_TOKENS
[ -n "${REUSE_DATABASE:-}" ] || $PY bench/seed.py "$BUNDLES" | tee "$OUT/seed.txt"
psql -h 127.0.0.1 -U postgres "$DB" -qc "VACUUM ANALYZE cases_bundle" -c "VACUUM ANALYZE cases_step"
redis-cli -n 13 flushdb >/dev/null
redis-cli -n 14 flushdb >/dev/null
if [[ $MEASURE == *" mixed "* ]]; then
  # The dashboard reads the summaries; beat computes each province's dashboard after refreshing them.
  $PY manage.py shell -v 0 -c "from django.utils import timezone; from reporting.summaries import summaries_rebuild
from reporting.selectors import reports_warm; summaries_rebuild(); reports_warm(timezone.localdate())"
fi
{ uname -srm; nproc; free -g | awk '/Mem/ {print $2 " GiB"}'; psql -h 127.0.0.1 -U postgres -tAc "SHOW server_version";
  $PY -c "import django, rest_framework; print('Django', django.get_version(), 'DRF', rest_framework.VERSION)"; } \
  | tee "$OUT/machine.txt"

if [[ $MEASURE == *" cpu "* ]]; then
  $PY bench/cpu.py 200 | tee "$OUT/cpu.txt"
fi

token() { $PY -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$BENCH_TOKENS" "$1"; }
serve() {
  .venv/bin/gunicorn wsgi:application --chdir bench --bind 127.0.0.1:8010 --workers 5 \
    --log-level warning > "$OUT/gunicorn.log" 2>&1 &
  GUNICORN=$!
  trap 'kill $GUNICORN 2>/dev/null || true' EXIT
  for _ in $(seq 60); do curl -sf http://127.0.0.1:8010/healthz >/dev/null && break; sleep 1; done
}
rate() { sed -n 's/.*per_second=\([0-9.]*\).*/\1/p' "$1"; }
if [[ $MEASURE == *" wrk "* || $MEASURE == *" mixed "* ]]; then
  $PY -c "import sys; sys.path[:0] = ['.', 'bench']; import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'
import django; django.setup(); import floors; floors.create_table()"
  serve
fi
if [[ $MEASURE == *" wrk "* ]]; then
  common=(-t2 --timeout 10s)
  for run in filing:/api/v1/bundles/:create floor-insert:/bench/floor/insert/:create \
             queue:/api/v1/queue/:get floor-list:/bench/floor/list/:get; do
    IFS=: read -r name path script <<<"$run"
    if [ "$script" = create ]; then who=bench.integration; clients=16; else who=bench.officer; clients=50; fi
    TOKEN=$(token $who) PATH_UNDER_TEST=$path BIRTH_DATE=$(date -d "-10 days" +%F) RUN_ID=$(date +%s) \
      wrk "${common[@]}" -c$clients -d"${SECONDS_EACH}s" -s bench/$script.lua http://127.0.0.1:8010 \
      | tee "$OUT/wrk-$name.txt"
  done
  for pair in filing:floor-insert queue:floor-list; do
    path=${pair%%:*} floor=${pair#*:}
    awk -v a="$(rate "$OUT/wrk-$path.txt")" -v b="$(rate "$OUT/wrk-$floor.txt")" -v p="$path" -v f="$floor" \
      'BEGIN { printf "RESULT wrk path=%s per_second=%.1f floor=%s floor_per_second=%.1f share=%.0f%% target=33%% %s\n",
               p, a, f, b, 100 * a / b, (a / b >= 0.33 ? "met" : "missed") }' | tee -a "$OUT/wrk.txt"
  done
fi
if [[ $MEASURE == *" mixed "* ]]; then
  # People think between clicks: their connections idle in nginx, as in production, not in a worker.
  mkdir -p "$OUT/nginx"
  nginx -p "$PWD/$OUT/nginx" -c "$PWD/bench/nginx.conf"
  trap 'kill $GUNICORN 2>/dev/null || true; kill "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null || true' EXIT
  $PY bench/mixed.py http://127.0.0.1:8020 "${MIXED_SECONDS:-120}" 20 | tee "$OUT/mixed.txt"
fi
if [[ $MEASURE == *" sql "* ]]; then
  $PY bench/queries.py | tee "$OUT/queries.txt"
fi
if [[ $MEASURE == *" counts "* ]]; then
  $PY bench/counts.py | tee "$OUT/counts.txt"
fi
$PY manage.py shell -v 0 -c "from cases.models import Bundle, Step; print('RESULT bundles=%d steps=%d' % (Bundle.objects.count(), Step.objects.count()))" | tee "$OUT/size.txt"
