#!/usr/bin/env bash
# The console's front-end files, from the npm registry at the versions of package-lock.json:
# the State's design system (@gouvfr/dsfr), copied into api/console/static/dsfr/ (git-ignored,
# served by the API), Swagger UI for /docs (api/static/swagger/), and axe-core for the browser
# tests. Idempotent: `npm ci` runs again only
# when package-lock.json changed. Without npm the console has no styles: said, not fatal,
# except with CI=true, where the browser tests need them.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=api/console/static/dsfr
DIST=node_modules/@gouvfr/dsfr/dist

if ! command -v npm >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
        echo "npm est introuvable : les fichiers du DSFR ne peuvent pas être installés." >&2
        exit 1
    fi
    echo "npm est introuvable : la console sera servie sans les fichiers du DSFR."
    exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
rm -rf "$TARGET"
mkdir -p "$TARGET"
cp "$DIST"/dsfr.min.css "$DIST"/dsfr.module.min.js "$DIST"/dsfr.nomodule.min.js "$TARGET"/
cp -r "$DIST"/fonts "$DIST"/icons "$DIST"/favicon "$TARGET"/
mkdir -p "$TARGET"/utility/icons && cp "$DIST"/utility/icons/icons.min.css "$TARGET"/utility/icons/
echo "DSFR $(node -p "require('./$DIST/../package.json').version") installé dans $TARGET"
# The API's own documentation page (/docs): Swagger UI from its npm package, no CDN.
SWAGGER=api/static/swagger
rm -rf "$SWAGGER"
mkdir -p "$SWAGGER"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
    node_modules/swagger-ui-dist/favicon-32x32.png "$SWAGGER"/
echo "Swagger UI $(node -p "require('./node_modules/swagger-ui-dist/package.json').version") installé dans $SWAGGER"
