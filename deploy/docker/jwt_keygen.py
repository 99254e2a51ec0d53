#!/usr/bin/env python3
"""Create the identity service's JWT signing key if it does not exist yet (docker compose helper).

Usage: kabinet-jwt-keygen PATH [--type ed25519|rsa]

Writes a PKCS#8 PEM private key to PATH (mode 0600) unless PATH already exists, so restarts keep the key and
issued tokens stay valid. The key type follows $JWT_KEY_TYPE when --type is not given (default: ed25519,
i.e. EdDSA tokens; use rsa for RS256). Uses the `cryptography` package that the kabinet kit depends on.
"""

import argparse
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--type", choices=["ed25519", "rsa"], default=os.environ.get("JWT_KEY_TYPE", "ed25519"))
    args = parser.parse_args()

    if args.path.exists() and args.path.stat().st_size > 0:
        print(f"kabinet-jwt-keygen: {args.path} exists, keeping it")
        return 0
    key = ed25519.Ed25519PrivateKey.generate() if args.type == "ed25519" else rsa.generate_private_key(65537, 3072)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    args.path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(args.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    print(f"kabinet-jwt-keygen: wrote a new {args.type} key to {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
