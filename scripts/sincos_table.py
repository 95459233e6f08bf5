#!/usr/bin/env python3
"""The table of columnar::sincos_ibm: sin(k/128) and cos(k/128), k = 0..109, each as a
double-double (the value rounded to nearest, then the rest rounded to nearest), computed with
60-digit decimal Taylor series. Prints the Rust array; `scripts/sincos_exhaustive.sh` is what
shows that the kernel gives glibc's bits with it.

    python3 scripts/sincos_table.py > /tmp/table.rs
"""
import struct
from decimal import Decimal, getcontext

getcontext().prec = 60


def sin_cos(x):
    x = Decimal(x)
    out = []
    for first, k in ((x, 1), (Decimal(1), 0)):
        total, term = Decimal(0), first
        while abs(term) > Decimal(10) ** -58:
            total += term
            term = -term * x * x / ((k + 1) * (k + 2))
            k += 2
        out.append(total)
    return out


def bits(v):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]


print("pub(crate) const TABLE: [[u64; 4]; 110] = [")
for k in range(110):
    s, c = sin_cos(Decimal(k) / 128)
    sn, cs = float(s), float(c)
    row = [sn, float(s - Decimal(sn)), cs, float(c - Decimal(cs))]
    print("    [" + ", ".join(bits(v) for v in row) + "],")
print("];")
