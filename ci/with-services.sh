#!/usr/bin/env bash
# Runs a command with the throwaway services up and their variables exported, and takes the
# services down afterwards however the command ends. Services the user pointed at through
# CHINOOK_PG_DSN / CHINOOK_REDIS_URL are used as they are and left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Quiet on the way out, so that the command's own last lines (CTest's summary) end the output.
trap '"$here/services.sh" down >/dev/null 2>&1 || echo "services: stopping failed; run ci/services.sh down" >&2' EXIT
"$here/services.sh" up
set -a
# shellcheck disable=SC1090
. "${CHINOOK_BUILD_DIR:-$here/../build}/services/env"
set +a
"$@"
