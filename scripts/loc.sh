#!/usr/bin/env bash
# Lines of library code in a day: non-blank, non-comment lines of its .ts files,
# leaving out tests, the demo and demo/test support.
day=${1:?usage: scripts/loc.sh dayN-name}
find "$day" -name '*.ts' ! -name '*.test.ts' ! -name main.ts ! -name trace.ts ! -name test-helpers.ts -print0 |
  xargs -0 cat | grep -vE '^\s*($|//|/\*\*?|\*)' | wc -l
