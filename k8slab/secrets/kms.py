"""KMS v2 envelope encryption with a simulated Azure Key Vault holding the key-encryption key (KEK)."""

# upstream: staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2/envelope.go (DEK seed, KDF,
# EncryptedObject), kmsv2/v2/api.proto, aes/aes_extended_nonce.go (HKDF-SHA256 derived key per write);
# Azure/kubernetes-kms (the AKS KMS plugin: keyID is the Key Vault key version's URL).

from __future__ import annotations

import random

__all__ = ["KeyVault", "KMSv2", "encode_encrypted_object", "decode_encrypted_object"]


class KeyVault:
    """A simulated Azure Key Vault: named keys with versions; wraps and unwraps data keys, never reveals a KEK.

    The real vault wraps with RSA-OAEP-256 on an RSA key; the lab wraps with AES key wrap (RFC 3394) on a 256-bit key
    drawn from the lab's seeded RNG, so runs are repeatable. ``calls`` counts wrap/unwrap requests (each one a
    network round trip on AKS).

    Examples
    --------
    >>> kv = KeyVault("k8slab-kv", random.Random(0))
    >>> kv.create_key("k8s-kms")
    'https://k8slab-kv.vault.azure.net/keys/k8s-kms/...'
    >>> seed = bytes(32)
    >>> kid, wrapped = kv.wrap("k8s-kms", seed)
    >>> kv.unwrap(kid, wrapped) == seed
    True
    """

    def __init__(self, name: str, rng: random.Random):
        self.name = name
        self.rng = rng
        self.keys: dict[str, list[tuple[str, bytes]]] = {}  # key name -> [(version, kek)], newest last
        self.calls = {"wrap": 0, "unwrap": 0}
        self.disabled: set[str] = set()

    def url(self, key: str, version: str) -> str:
        return f"https://{self.name}.vault.azure.net/keys/{key}/{version}"

    def create_key(self, key: str) -> str:
        """Create a key, or a new version of it (rotation in the vault); returns the new version's URL."""
        version = self.rng.randbytes(16).hex()
        self.keys.setdefault(key, []).append((version, self.rng.randbytes(32)))
        return self.url(key, version)

    def current(self, key: str) -> str:
        return self.url(key, self.keys[key][-1][0])

    def wrap(self, key: str, data: bytes) -> tuple[str, bytes]:
        from cryptography.hazmat.primitives.keywrap import aes_key_wrap

        self.calls["wrap"] += 1
        version, kek = self.keys[key][-1]
        return self.url(key, version), aes_key_wrap(kek, data)

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

        self.calls["unwrap"] += 1
        name, version = key_id.rstrip("/").split("/")[-2:]
        if key_id in self.disabled:
            raise PermissionError(f"Operation unwrapKey is not allowed on a disabled key ({key_id})")
        kek = dict(self.keys.get(name, ()))[version]
        return aes_key_unwrap(kek, wrapped)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def encode_encrypted_object(data: bytes, key_id: str, dek_source: bytes, source_type: int = 1) -> bytes:
    """The protobuf ``EncryptedObject`` (fields 1 encryptedData, 2 keyID, 3 encryptedDEKSource, 5 source type).

    Examples
    --------
    >>> decode_encrypted_object(encode_encrypted_object(b"ct", "kid", b"wrapped"))
    {'encryptedData': b'ct', 'keyID': 'kid', 'encryptedDEKSource': b'wrapped', 'encryptedDEKSourceType': 1}
    """
    out = b""
    for field, value in ((1, data), (2, key_id.encode()), (3, dek_source)):
        out += bytes([field << 3 | 2]) + _varint(len(value)) + value
    if source_type:
        out += bytes([5 << 3]) + _varint(source_type)
    return out


def decode_encrypted_object(buf: bytes) -> dict:
    """Parse an ``EncryptedObject`` written by :func:`encode_encrypted_object`."""
    out: dict = {"encryptedData": b"", "keyID": "", "encryptedDEKSource": b"", "encryptedDEKSourceType": 0}
    names = {1: "encryptedData", 2: "keyID", 3: "encryptedDEKSource", 5: "encryptedDEKSourceType"}
    i = 0
    while i < len(buf):
        tag, i = _read_varint(buf, i)
        field, wire = tag >> 3, tag & 7
        if wire == 2:
            n, i = _read_varint(buf, i)
            value = buf[i:i + n]
            i += n
            out[names.get(field, str(field))] = value.decode() if field == 2 else value
        else:
            value, i = _read_varint(buf, i)
            out[names.get(field, str(field))] = value
    return out


class KMSv2:
    """The apiserver's KMS v2 envelope transformer talking to one key in a :class:`KeyVault`.

    A 32-byte DEK seed is generated when the transformer starts and whenever the vault key's version changes; the
    vault wraps it once. Every write draws a fresh 32-byte ``info`` and derives its own data key with HKDF-SHA256
    from the seed (so each Secret has its own data key, and writes need no call to the vault); the object stores
    info + AES-GCM ciphertext, the KEK's key ID and the wrapped seed. Reads unwrap a seed once and cache it.
    """

    def __init__(self, name: str, vault: KeyVault, rng: random.Random, key: str = "k8s-kms"):
        self.name, self.vault, self.rng, self.key = name, vault, rng, key
        if key not in vault.keys:
            vault.create_key(key)
        self._seed_for: str | None = None
        self._seed = b""
        self._wrapped = b""
        self._cache: dict[bytes, bytes] = {}  # wrapped seed -> seed

    def _current_seed(self) -> tuple[str, bytes, bytes]:
        kid = self.vault.current(self.key)
        if self._seed_for != kid:
            self._seed = self.rng.randbytes(32)
            kid, self._wrapped = self.vault.wrap(self.key, self._seed)
            self._seed_for = kid
            self._cache[self._wrapped] = self._seed
        return kid, self._seed, self._wrapped

    @staticmethod
    def _derive(seed: bytes, info: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(seed)

    def encrypt(self, key: str, data: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        kid, seed, wrapped = self._current_seed()
        info = self.rng.randbytes(32)
        nonce = self.rng.randbytes(12)
        ct = AESGCM(self._derive(seed, info)).encrypt(nonce, data, key.encode())
        return encode_encrypted_object(info + nonce + ct, kid, wrapped)

    def decrypt(self, key: str, body: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        obj = decode_encrypted_object(body)
        seed = self._cache.get(obj["encryptedDEKSource"])
        if seed is None:
            seed = self.vault.unwrap(obj["keyID"], obj["encryptedDEKSource"])
            self._cache[obj["encryptedDEKSource"]] = seed
        blob = obj["encryptedData"]
        info, nonce, ct = blob[:32], blob[32:44], blob[44:]
        return AESGCM(self._derive(seed, info)).decrypt(nonce, ct, key.encode())

    def data_keys_written(self) -> int:
        """How many distinct seeds this transformer has had wrapped (vault round trips for writes)."""
        return len(self._cache)
