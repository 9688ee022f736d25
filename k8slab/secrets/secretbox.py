"""NaCl secretbox (XSalsa20-Poly1305), as golang.org/x/crypto/nacl/secretbox seals: Salsa20 here, Poly1305 from cryptography."""

# upstream: golang.org/x/crypto/salsa20/salsa (core, HSalsa20), golang.org/x/crypto/nacl/secretbox (Seal, Open);
# Bernstein, "Salsa20 specification" (section 9, the expansion example used in the tests)

from __future__ import annotations

import hmac
import struct

__all__ = ["seal", "open_box", "salsa20_core", "hsalsa20", "OVERHEAD"]

OVERHEAD = 16  # Poly1305 tag
_SIGMA = b"expand 32-byte k"
_M = 0xFFFFFFFF


def _rotl(v: int, c: int) -> int:
    return ((v << c) & _M) | (v >> (32 - c))


def _rounds(x: list[int]) -> list[int]:
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11),
                           (0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            x[b] ^= _rotl((x[a] + x[d]) & _M, 7)
            x[c] ^= _rotl((x[b] + x[a]) & _M, 9)
            x[d] ^= _rotl((x[c] + x[b]) & _M, 13)
            x[a] ^= _rotl((x[d] + x[c]) & _M, 18)
    return x


def _input(key: bytes, block16: bytes) -> list[int]:
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", block16)
    s = struct.unpack("<4I", _SIGMA)
    return [s[0], k[0], k[1], k[2], k[3], s[1], n[0], n[1], n[2], n[3], s[2], k[4], k[5], k[6], k[7], s[3]]


def salsa20_core(key: bytes, block16: bytes) -> bytes:
    """One 64-byte Salsa20 block for a 32-byte key and 16 bytes of nonce+counter.

    Examples
    --------
    >>> out = salsa20_core(bytes(range(1, 17)) + bytes(range(201, 217)), bytes(range(101, 117)))
    >>> list(out[:8])
    [69, 37, 68, 39, 41, 15, 107, 193]
    """
    x = _input(key, block16)
    z = _rounds(list(x))
    return struct.pack("<16I", *((a + b) & _M for a, b in zip(z, x)))


def hsalsa20(key: bytes, nonce16: bytes) -> bytes:
    """HSalsa20: the XSalsa20 subkey from a key and the first 16 bytes of a 24-byte nonce."""
    z = _rounds(_input(key, nonce16))
    return struct.pack("<8I", z[0], z[5], z[10], z[15], z[6], z[7], z[8], z[9])


def _stream(key: bytes, nonce8: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += salsa20_core(key, nonce8 + struct.pack("<Q", counter))
        counter += 1
    return bytes(out[:length])


def _poly1305(key: bytes, msg: bytes) -> bytes:
    from cryptography.hazmat.primitives.poly1305 import Poly1305

    return Poly1305.generate_tag(key, msg)


def seal(message: bytes, nonce: bytes, key: bytes) -> bytes:
    """secretbox.Seal: tag (16 bytes) followed by the ciphertext.

    Examples
    --------
    >>> box = seal(b"hello", bytes(24), bytes(32))
    >>> len(box), open_box(box, bytes(24), bytes(32))
    (21, b'hello')
    """
    sub = hsalsa20(key, nonce[:16])
    ks = _stream(sub, nonce[16:24], 32 + len(message))
    ct = bytes(a ^ b for a, b in zip(message, ks[32:]))
    return _poly1305(ks[:32], ct) + ct


def open_box(box: bytes, nonce: bytes, key: bytes) -> bytes:
    """secretbox.Open; raises ValueError when the tag does not verify."""
    if len(box) < OVERHEAD:
        raise ValueError("the stored data was shorter than the required size")
    sub = hsalsa20(key, nonce[:16])
    ks = _stream(sub, nonce[16:24], 32 + len(box) - OVERHEAD)
    tag, ct = box[:OVERHEAD], box[OVERHEAD:]
    if not hmac.compare_digest(_poly1305(ks[:32], ct), tag):
        raise ValueError("output array was not large enough for encryption")
    return bytes(a ^ b for a, b in zip(ct, ks[32:]))
