"""The Python backend's wallet-key storage, exactly as it does it (needs `cryptography`).

    stored  = base64.b64encode(Fernet(key).encrypt(private_key_hex_without_0x.encode())).decode()
    private = "0x" + Fernet(key).decrypt(base64.b64decode(stored)).decode()

Used by the interop tests (test/custody/python-interop.e2e-spec.ts) and to regenerate
test/fixtures/python-custody-vectors.json:

    python3 scripts/python-custody.py vectors > test/fixtures/python-custody-vectors.json
    echo '["0x…"]' | python3 scripts/python-custody.py seal <fernet key>   # -> stored values
    echo '["Z0FB…"]' | python3 scripts/python-custody.py open <fernet key>  # -> private keys
"""
import base64
import json
import os
import sys

from cryptography.fernet import Fernet


def encrypt_private_key(fernet, private_key):
    if private_key.startswith("0x"):
        private_key = private_key[2:]
    return base64.b64encode(fernet.encrypt(private_key.encode())).decode()


def decrypt_private_key(fernet, stored):
    return "0x" + fernet.decrypt(base64.b64decode(stored.encode())).decode()


def main():
    mode = sys.argv[1]
    if mode == "vectors":
        rows = []
        for _ in range(3):
            key = Fernet.generate_key().decode()
            private_key = "0x" + os.urandom(32).hex()
            rows.append({"key": key, "privateKey": private_key, "stored": encrypt_private_key(Fernet(key.encode()), private_key)})
        print(json.dumps({"about": "Made by scripts/python-custody.py with Python cryptography: the Python backend's encrypt_private_key over fresh keys.", "rows": rows}, indent=2))
        return
    fernet = Fernet(sys.argv[2].encode())
    values = json.load(sys.stdin)
    if mode == "seal":
        print(json.dumps([encrypt_private_key(fernet, value) for value in values]))
    elif mode == "open":
        print(json.dumps([decrypt_private_key(fernet, value) for value in values]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
