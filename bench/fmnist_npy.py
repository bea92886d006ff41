#!/usr/bin/python3
"""fmnist_npy.py: Fashion-MNIST's test set as .npy for bench/interp.sh (bench/ only).

  fmnist_npy.py IMAGES.gz LABELS.gz OUTDIR    writes OUTDIR/t10k_images.npy, float32
                                               [10000,1,28,28], pixels / 255 (the
                                               models' input), and OUTDIR/t10k_labels.npy
  fmnist_npy.py --accuracy LOGITS.npy LABELS.npy   prints the top-1 accuracy
"""
import gzip
import struct
import sys

import numpy as np


def idx_read(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"fmnist_npy.py: {path}: not an IDX file of uint8")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    if sys.argv[1] == "--accuracy":
        logits, labels = np.load(sys.argv[2]), np.load(sys.argv[3])
        logits = logits.reshape(len(labels), -1)
        print(f"{(logits.argmax(1) == labels).mean() * 100:.2f}")
        return
    images, labels, out = idx_read(sys.argv[1]), idx_read(sys.argv[2]), sys.argv[3]
    x = (images.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    np.save(f"{out}/t10k_images.npy", x)
    np.save(f"{out}/t10k_labels.npy", labels.astype(np.int64))


if __name__ == "__main__":
    main()
