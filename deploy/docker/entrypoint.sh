#!/bin/sh
# Kabinet container entrypoint.
#
# 1. For every environment variable NAME_FILE that points at a readable file, export NAME with the file's
#    contents unless NAME is already set (the convention of the official postgres/rabbitmq images). This
#    is how the identity service receives IDENTITY_JWT_PRIVATE_KEY from a Docker or Kubernetes secret.
# 2. exec the console script named by KABINET_SCRIPT with the container's arguments (default: serve).
set -eu

for file_var in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*_FILE\)=.*/\1/p'); do
    var="${file_var%_FILE}"
    eval "path=\${${file_var}}"
    eval "current=\${${var}:-}"
    if [ -z "${current}" ] && [ -r "${path}" ]; then
        export "${var}=$(cat "${path}")"
    fi
done

if [ -z "${KABINET_SCRIPT:-}" ]; then
    echo "kabinet-entrypoint: KABINET_SCRIPT is not set" >&2
    exit 64
fi

exec "${KABINET_SCRIPT}" "$@"
