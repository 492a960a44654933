"""The same RSA key with its other valid private exponent (d mod lambda(n) <-> d mod phi(n)):
other bytes, the same key, as two tools can write it. PKCS#1 DER in (argv[1]), out on stdout.
For tests/shared_cache.rs."""
import sys, math
def read(b, i):
    tag = b[i]; n = b[i+1]; i += 2
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(b[i:i+k], 'big'); i += k
    return tag, b[i:i+n], i+n
def ints(seq):
    out, i = [], 0
    while i < len(seq):
        _, v, i = read(seq, i); out.append(int.from_bytes(v, 'big', signed=True))
    return out
def enc_len(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length()+7)//8, 'big'); return bytes([0x80|len(b)]) + b
def enc_int(v):
    b = v.to_bytes(v.bit_length()//8 + 1, 'big', signed=True); return b'\x02' + enc_len(len(b)) + b
der = open(sys.argv[1], 'rb').read()
_, seq, _ = read(der, 0)
version, n, e, d, p, q, dp, dq, qi = ints(seq)
lam = (p-1)*(q-1)//math.gcd(p-1, q-1)
# The same key with the other private exponent: d mod lambda(n) <-> d mod phi(n).
d2 = pow(e, -1, (p-1)*(q-1)) if d < lam else pow(e, -1, lam)
assert d2 != d and (d2*e) % lam == 1
body = b''.join(enc_int(v) for v in (version, n, e, d2, p, q, dp, dq, qi))
sys.stdout.buffer.write(b'\x30' + enc_len(len(body)) + body)
