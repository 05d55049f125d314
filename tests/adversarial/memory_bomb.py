# Attack: allocate far more memory than the machine has.
hog = []
while True:
    hog.append(bytearray(256 * 1024**2))
