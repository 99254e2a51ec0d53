#!/usr/bin/env bash
# Writes the secrets Kabinet's deployments need, random where Kabinet may choose them, and never overwrites one
# that exists: running it again changes nothing (docs/operations.md, docs/security.md).
#
#   deploy/make-secrets.sh           docker compose: .env at the repository root (git-ignored)
#   deploy/make-secrets.sh --demo    the same, plus IDENTITY_DEV_MAILBOX=true (codes and links kept in memory
#                                    instead of sent) and the gateway's console and introspection on
#                                    (GATEWAY_CONSOLE_ENABLED, GATEWAY_INTROSPECTION_ENABLED): for trying Kabinet only
#   deploy/make-secrets.sh --k8s     Kubernetes: the files under deploy/k8s/base/secrets/ (git-ignored) that
#                                    kustomize builds the Secrets from. The database and broker URLs are yours:
#                                    set IDENTITY_DATABASE_URL, SCHEDULING_DATABASE_URL, BILLING_DATABASE_URL,
#                                    LEARNING_DATABASE_URL and AMQP_URL in the environment when you run it.
#
# Values are 64 hex characters, so they need no quoting in .env and no escaping inside URLs.
set -euo pipefail
umask 077 # every file written here is readable by its owner only

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

demo=false
k8s=false
for arg in "$@"; do
    case "$arg" in
        --demo) demo=true ;;
        --k8s) k8s=true ;;
        -h | --help) usage; exit 0 ;;
        *) echo "make-secrets: unknown argument $arg" >&2; usage >&2; exit 64 ;;
    esac
done
if $demo && $k8s; then
    echo "make-secrets: --demo is for docker compose (in Kubernetes the dev overlay turns the mailbox on)" >&2
    exit 64
fi

random_hex() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex 32
    else
        python3 -c 'import secrets; print(secrets.token_hex(32))'
    fi
}

# ------------------------------------------------------------------------------------------------ compose

compose() {
    local env_file="$root/.env" name
    touch "$env_file"
    # appending must not glue our first line to an unterminated last line of the operator's
    if [ -s "$env_file" ] && [ -n "$(tail -c 1 "$env_file")" ]; then
        echo >>"$env_file"
    fi
    present() { grep -Eq "^[[:space:]]*(export[[:space:]]+)?$1=" "$env_file"; }

    for name in KABINET_GATEWAY_SECRET BILLING_PAYMENT_WEBHOOK_SECRET POSTGRES_PASSWORD KABINET_DB_PASSWORD \
        RABBITMQ_PASSWORD REDIS_PASSWORD; do
        if present "$name"; then
            echo "make-secrets: $name is in .env, kept"
        else
            echo "$name=$(random_hex)" >>"$env_file"
            echo "make-secrets: $name written to .env"
        fi
    done
    if $demo; then
        for name in IDENTITY_DEV_MAILBOX GATEWAY_CONSOLE_ENABLED GATEWAY_INTROSPECTION_ENABLED; do
            if present "$name"; then
                echo "make-secrets: $name is in .env, kept"
            else
                echo "$name=true" >>"$env_file"
                echo "make-secrets: $name=true written to .env (trying it out only)"
            fi
        done
    fi
    echo "make-secrets: put your payment provider's secret in BILLING_PAYMENT_WEBHOOK_SECRET before taking payments"
}

# ------------------------------------------------------------------------------------------------ Kubernetes

kubernetes() {
    local dir="$root/deploy/k8s/base/secrets" missing=() pair var file
    mkdir -p "$dir"

    exists() { [ -s "$dir/$1" ]; }
    write() { # name value: the bytes as they are, no trailing newline (kustomize keeps it, URLs would break)
        printf '%s' "$2" >"$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1"
        echo "make-secrets: wrote deploy/k8s/base/secrets/$1"
    }

    for file in gateway-secret billing-payment-webhook-secret; do
        if exists "$file"; then
            echo "make-secrets: deploy/k8s/base/secrets/$file exists, kept"
        else
            write "$file" "$(random_hex)"
            [ "$file" = gateway-secret ] ||
                echo "make-secrets: $file is random: replace it with your payment provider's secret"
        fi
    done

    if exists jwt-private-key.pem; then
        echo "make-secrets: deploy/k8s/base/secrets/jwt-private-key.pem exists, kept"
    elif command -v openssl >/dev/null 2>&1; then
        openssl genpkey -algorithm ed25519 -out "$dir/jwt-private-key.pem"
        echo "make-secrets: wrote deploy/k8s/base/secrets/jwt-private-key.pem (Ed25519)"
    else
        python3 "$here/docker/jwt_keygen.py" "$dir/jwt-private-key.pem" --type ed25519
    fi

    for pair in IDENTITY_DATABASE_URL:identity-database-url SCHEDULING_DATABASE_URL:scheduling-database-url \
        BILLING_DATABASE_URL:billing-database-url LEARNING_DATABASE_URL:learning-database-url AMQP_URL:amqp-url; do
        var="${pair%%:*}"
        file="${pair#*:}"
        if exists "$file"; then
            echo "make-secrets: deploy/k8s/base/secrets/$file exists, kept"
        elif [ -n "${!var:-}" ]; then
            write "$file" "${!var}"
        else
            missing+=("$var")
        fi
    done

    if [ ${#missing[@]} -gt 0 ]; then
        {
            echo "make-secrets: MISSING, only you know them: ${missing[*]}"
            echo "  set them and run this again (the files written so far are kept), e.g."
            echo "  IDENTITY_DATABASE_URL='postgresql+asyncpg://identity:<password>@<pg-host>:5432/identity' \\"
            echo "  AMQP_URL='amqps://kabinet:<password>@<rabbitmq-host>:5671/kabinet' deploy/make-secrets.sh --k8s"
            echo "  kustomize refuses to build until every file exists."
        } >&2
        exit 2
    fi
}

if $k8s; then
    kubernetes
else
    compose
fi
