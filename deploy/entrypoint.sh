#!/bin/sh
# Point d'entrée de l'image : vérifie la configuration de production, puis lance la commande
# (une commande `offre …` : `offre api --port 8000`, `offre worker`, `offre db upgrade`…).
set -eu

manque=""
for variable in DATABASE_URL REDIS_URL OFFRE_SECRET_KEY; do
    eval "valeur=\${$variable:-}"
    if [ -z "$valeur" ]; then
        manque="$manque $variable"
    fi
done
if [ -n "$manque" ]; then
    echo "Configuration incomplète : variable(s) obligatoire(s) absente(s) :$manque." >&2
    echo "Sans DATABASE_URL ni REDIS_URL, la CLI démarrerait des serveurs embarqués, et sans" >&2
    echo "OFFRE_SECRET_KEY chaque conteneur signerait les jetons avec sa propre clé." >&2
    echo "Voir deploy/README.md." >&2
    exit 64
fi

mkdir -p "${OFFRE_DATA_DIR:-/var/lib/offre}"

# `docker compose run api --port 9000` : des options seules complètent la commande par défaut.
if [ "$#" -eq 0 ]; then
    set -- offre api --port 8000
elif [ "${1#-}" != "$1" ]; then
    set -- offre api "$@"
fi

exec "$@"
