#!/usr/bin/env bash
# Installs LibreOffice Calc for the LibreOffice round-trip tests of the generated workbooks
# (tests/unit/imports/test_imp_template.py, test_imp_report.py); without it they are skipped.
# Idempotent: nothing to do when soffice is already on PATH. Only Debian/Ubuntu (apt-get) is
# handled; elsewhere it says so and exits 0, so that CI goes on (the tests skip with a reason).
set -euo pipefail

if command -v soffice >/dev/null 2>&1; then
    echo "LibreOffice est déjà installé : $(command -v soffice)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get indisponible : LibreOffice n'est pas installé, les tests d'aller-retour" \
        "LibreOffice seront ignorés."
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "Ni root ni sudo : LibreOffice n'est pas installé, les tests d'aller-retour" \
            "LibreOffice seront ignorés."
        exit 0
    fi
    SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
${SUDO[@]+"${SUDO[@]}"} apt-get update -q
# Calc alone (≈ 300 Mo with its dependencies), no recommended extras (Java, fonts, docs).
${SUDO[@]+"${SUDO[@]}"} apt-get install -y -q --no-install-recommends libreoffice-calc
echo "LibreOffice installé : $(command -v soffice)"
