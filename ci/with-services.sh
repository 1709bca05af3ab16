#!/usr/bin/env bash
# Runs a command with the throwaway services up and their variables exported, and takes the
# services down afterwards however the command ends. Services the user pointed at through
# CHINOOK_PG_DSN / CHINOOK_REDIS_URL are used as they are and left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
trap '"$here/services.sh" down' EXIT
"$here/services.sh" up
set -a
# shellcheck disable=SC1090
. "${CHINOOK_BUILD_DIR:-$here/../build}/services/env"
set +a
"$@"
