#!/usr/bin/env bash
# The reports' benchmark: seed N bundles (default 10,000,000) with their steps into PostgreSQL by
# COPY, build the summaries from the raw data (the nightly rebuild), then measure with wrk
#   1. in-process, one request at a time: each report computed afresh and read from the cache,
#   2. with beat's update running every 30 s: the provincial dashboard /reports/ (this month and
#      the past year) and the report API for the province, 10 clients; one commune's dashboard (its
#      clerk) and the API for one commune, 2 and 10 clients,
#   3. how far the summaries can fall behind: the time of one beat update (run every 30 s).
# Usage: bench/reports.sh [bundles] [seconds per measurement]; REUSE_DATABASE=1 skips the seeding
# and the first rebuild (REBUILD=1 times it again); BENCH_DATABASE names another database.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLES=${1:-10000000}
SECONDS_EACH=${2:-30}
DB=${BENCH_DATABASE:-lienthong_reports}
OUT=var/bench-reports
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
make -s .venv/bin/.installed

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" CELERY_BROKER_URL="redis://127.0.0.1:6379/12"
export CACHE_URL="redis://127.0.0.1:6379/11"  # one cache for the five workers
export SECRET_KEY=bench-only DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_COOKIES=false LOG_LEVEL=WARNING
export PUBLIC_BASE_URL=http://127.0.0.1:8000
PY=.venv/bin/python

if [ -z "${REUSE_DATABASE:-}" ]; then
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
  createdb -h 127.0.0.1 -U postgres "$DB"
fi
$PY manage.py migrate -v 0
$PY manage.py load_reference_data -v 0
$PY manage.py collectstatic --noinput -v 0
TOKENS=$($PY bench/prepare.py)
if [ -z "${REUSE_DATABASE:-}" ]; then
  $PY bench/seed.py "$BUNDLES" | tee "$OUT/seed.txt"
  psql -h 127.0.0.1 -U postgres "$DB" -qc "VACUUM ANALYZE cases_bundle" -c "VACUUM ANALYZE cases_step"
fi
if [ -z "${REUSE_DATABASE:-}" ] || [ -n "${REBUILD:-}" ]; then  # REBUILD=1: time the rebuild again
  /usr/bin/time -f "RESULT rebuild_seconds=%e max_rss_kb=%M" $PY manage.py shell -v 0 \
    -c "from reporting.summaries import summaries_rebuild; print(summaries_rebuild())" 2>&1 | tee "$OUT/rebuild.txt"
  psql -h 127.0.0.1 -U postgres "$DB" -qc "VACUUM ANALYZE"
fi
/usr/bin/time -f "RESULT update_seconds=%e" $PY manage.py shell -v 0 \
  -c "from reporting.summaries import summaries_update; print(summaries_update())" 2>&1 | tee "$OUT/update.txt"
redis-cli -n 12 flushdb >/dev/null
redis-cli -n 11 flushdb >/dev/null

$PY bench/report_times.py | tee "$OUT/in-process.txt"
redis-cli -n 11 flushdb >/dev/null

.venv/bin/gunicorn portal.wsgi:application --bind 127.0.0.1:8011 --workers 5 \
  --log-level warning > "$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
# Beat's update every 30 s while measuring, as in office hours: each refresh makes the cached
# reports old, so the measurements include the requests that compute them again.
$PY manage.py shell -v 0 -c "
import time
from reporting.tasks import summaries_update_task
while True:
    started = time.time(); changed = summaries_update_task()
    print(f'RESULT beat_update_and_warm_seconds={time.time() - started:.1f} rows_changed={changed}', flush=True)
    time.sleep(30)" > "$OUT/beat.log" 2>&1 &
BEAT=$!
trap 'kill $GUNICORN $BEAT 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf http://127.0.0.1:8011/healthz >/dev/null && break; sleep 1; done

token() { $PY -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$TOKENS" "$1"; }
MONTH="from=$(date +%Y-%m-01)&to=$(date +%F)"
YEAR="from=$(date -d '-365 days' +%F)&to=$(date +%F)"
measure() {  # name, clients, path, then TOKEN=… or SESSION=… for the person asking
  local name=$1 clients=$2 path=$3; shift 3
  # 5 s not counted first: each of the five workers loads its code and templates on its first requests.
  env "$@" PATH_UNDER_TEST="$path" wrk -t1 -c"$clients" -d5s -s bench/get.lua http://127.0.0.1:8011 >/dev/null
  env "$@" PATH_UNDER_TEST="$path" wrk -t2 -c"$clients" -d"${SECONDS_EACH}s" --timeout 10s -s bench/get.lua \
    http://127.0.0.1:8011 | tee "$OUT/$name.txt"
}
PROVINCE_PAGE=SESSION=$(token bench.province.session)
PROVINCE_API=TOKEN=$(token bench.province)
CLERK_PAGE=SESSION=$(token bench.clerk.session)
measure dashboard-month 10 "/reports/" "$PROVINCE_PAGE"
measure dashboard-year 10 "/reports/?$YEAR" "$PROVINCE_PAGE"
measure api-province 10 "/api/v1/reports/online-rate/?$YEAR" "$PROVINCE_API"
for clients in 2 10; do
  measure "dashboard-commune-$clients" "$clients" "/reports/" "$CLERK_PAGE"
  measure "api-unit-$clients" "$clients" "/api/v1/reports/online-rate/?unit=16690&$MONTH" "$PROVINCE_API"
done
cat "$OUT/beat.log"
$PY manage.py shell -v 0 -c "from cases.models import Bundle, Step; from reporting.models import ReceivedCount; print('RESULT bundles=%d steps=%d summary_rows=%d' % (Bundle.objects.count(), Step.objects.count(), ReceivedCount.objects.count()))" | tee "$OUT/size.txt"
