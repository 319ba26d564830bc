"""Throughput of the studies' conversion (PIL thumbnail + np.asarray).

Usage: /usr/bin/python3 tasks/bench/pil_convert.py FILE_LIST [WIDTH HEIGHT]

FILE_LIST is a text file with one image path per line. Prints one JSON line:
{"tool": "PIL", "images": n, "seconds": s, "imagesPerSecond": r, ...}.
Single process, as in the study's Convert_img_to_ndarray notebook.
Needs Debian's python3-pil and python3-numpy.
"""
import json
import sys
import time

import numpy as np
import PIL
from PIL import Image


def main() -> None:
    paths = [p.strip() for p in open(sys.argv[1]) if p.strip()]
    width = int(sys.argv[2]) if len(sys.argv) > 2 else 90
    height = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    shapes = set()
    start = time.perf_counter()
    for path in paths:
        image = Image.open(path).convert("RGB")
        image.thumbnail((width, height))
        array = np.asarray(image)
        shapes.add(array.shape)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "tool": "PIL " + PIL.__version__ + " thumbnail + np.asarray",
        "images": len(paths),
        "seconds": seconds,
        "imagesPerSecond": len(paths) / seconds,
        "distinctShapes": len(shapes),
    }))


if __name__ == "__main__":
    main()
