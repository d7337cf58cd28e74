"""Regenerates the Python half of test/fixtures/fernet-vectors.json (needs `cryptography`).

Prints keys and tokens made by Python's Fernet, and altered tokens Python rejects. The
`fromHere` vectors are made by src/custody/crypto/fernet.ts with a fixed IV and time, then
checked here with Fernet.decrypt and Fernet._encrypt_from_parts (same IV and time, same token).
"""
import base64
import json
import sys

from cryptography.fernet import Fernet

PLAINTEXTS = [
    "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
    "0x8da4ef21b864d2cc526dbdb2a120bd2874c36c9d0a1fb7f8c63d7f7a8b41de8f",
    'metadata: {"note": "ünïcödé"}',
]


def encode(raw):
    return base64.urlsafe_b64encode(bytes(raw)).decode()


def main():
    if len(sys.argv) == 2:  # check vectors made by the TypeScript implementation
        for case in json.load(open(sys.argv[1]))["fromHere"]:
            fernet = Fernet(case["key"].encode())
            assert fernet.decrypt(case["token"].encode()).decode() == case["plaintext"]
            remade = fernet._encrypt_from_parts(case["plaintext"].encode(), case["timestamp"], bytes.fromhex(case["iv"]))
            assert remade.decode() == case["token"]
        print("fromHere: Python agrees")
        return
    out = {"fromPython": [], "invalid": []}
    for plaintext in PLAINTEXTS:
        key = Fernet.generate_key()
        out["fromPython"].append({"key": key.decode(), "token": Fernet(key).encrypt(plaintext.encode()).decode(), "plaintext": plaintext})
    key = Fernet.generate_key()
    good = Fernet(key).encrypt(b"tamper me")
    raw = bytearray(base64.urlsafe_b64decode(good))
    mac, body, version = bytearray(raw), bytearray(raw), bytearray(raw)
    mac[-1] ^= 1
    body[30] ^= 1
    version[0] = 0x81
    out["invalid"] = [
        {"desc": "incorrect mac", "key": key.decode(), "token": encode(mac)},
        {"desc": "ciphertext changed", "key": key.decode(), "token": encode(body)},
        {"desc": "unknown version", "key": key.decode(), "token": encode(version)},
        {"desc": "too short", "key": key.decode(), "token": encode(raw[:40])},
        {"desc": "invalid base64", "key": key.decode(), "token": "%%%%" + good.decode()[4:]},
        {"desc": "another key", "key": Fernet.generate_key().decode(), "token": good.decode()},
    ]
    for case in out["invalid"]:
        try:
            Fernet(case["key"].encode()).decrypt(case["token"].encode())
        except Exception:
            continue
        sys.exit("Python accepted: " + case["desc"])
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
