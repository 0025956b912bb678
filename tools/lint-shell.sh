#!/usr/bin/env bash
# Shell lint for the tools/ projects (Nx target `shellcheck`): every file named, or every file under a
# directory named whose first line is a bash shebang. shellcheck comes from Debian's package, which
# `tools/infra/infra.sh tools` installs (npm test does that before linting).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v shellcheck >/dev/null 2>&1 || {
  echo "shellcheck is not installed: run 'bash tools/infra/infra.sh tools' (apt-get install shellcheck)" >&2
  exit 1
}
files=()
for target in "$@"; do
  if [[ -d $target ]]; then
    while IFS= read -r f; do
      if head -n 1 "$f" | grep -qE '^#!.*\bbash\b'; then files+=("$f"); fi
    done < <(find "$target" -type f ! -path '*/node_modules/*' | sort)
  else
    files+=("$target")
  fi
done
(( ${#files[@]} > 0 )) || { echo "no shell scripts under: $*" >&2; exit 1; }
# -x follows `source`d files (dev.env); the repo root is the cwd, so their paths resolve.
shellcheck -x --severity=style "${files[@]}"
echo "shellcheck: ${#files[@]} scripts OK"
