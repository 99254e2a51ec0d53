#!/usr/bin/env bash
# Refresh the console's browser assets (gateway/src/gateway/console_assets/) from the npm registry.
#
# The gateway serves these files itself at /console/assets/<name>, so the console works without internet access;
# they are committed, so the Python package needs no Node. To move to other versions, change them in
# package.json here, run this script, check the console in a browser (tests/browser/test_console.py) and commit
# package.json, package-lock.json and console_assets/ together.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../src/gateway/console_assets"
cd "$here"

if [ -f package-lock.json ] && [ "${1:-}" != "--upgrade" ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

mkdir -p "$out"
rm -f "$out"/*
copy() { install -m 0644 "node_modules/$1" "$out/$2"; }
copy graphiql/graphiql.min.js graphiql.min.js
copy graphiql/graphiql.min.css graphiql.min.css
copy graphiql/LICENSE graphiql.LICENSE
copy react/umd/react.production.min.js react.production.min.js
copy react/LICENSE react.LICENSE
copy react-dom/umd/react-dom.production.min.js react-dom.production.min.js
copy react-dom/LICENSE react-dom.LICENSE

# Which versions these are (the console module checks that every file it needs is here).
node -e '
const v = (p) => require("./node_modules/" + p + "/package.json").version;
const out = {graphiql: v("graphiql"), react: v("react"), "react-dom": v("react-dom")};
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
' > "$out/versions.json"
ls -l "$out"
