# Attack: flood stdout and the disk.
import sys
for _ in range(200_000):
    print("x" * 500)
with open("big.bin", "wb") as handle:
    for _ in range(1024):
        handle.write(b"\0" * 1024**2)
